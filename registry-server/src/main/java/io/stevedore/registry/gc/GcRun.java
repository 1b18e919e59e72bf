package io.stevedore.registry.gc;

import java.time.Instant;

/**
 * One garbage collection run, as {@code GET /api/v1/gc/runs} lists it.
 *
 * @param trigger     {@code schedule} or {@code api}
 * @param requestedBy who asked, for an API run
 * @param finishedAt  null while it runs (or if its replica died)
 * @param lastError   the last of the errors counted, if any
 * @param storeWalked whether it walked the store for orphan files (registry.gc.walk-interval)
 */
public record GcRun(long id, String trigger, String requestedBy, Instant startedAt, Instant finishedAt,
                    Counts counts, String lastError, boolean storeWalked) {

    /**
     * @param linksRemoved       repository links no manifest of the repository referenced
     * @param blobsDeleted       blobs (rows and bytes) nothing referenced
     * @param bytesFreed         their sizes, plus those of the orphan files
     * @param orphanFilesDeleted files in the store that no blobs row described
     * @param errors             batches or deletes that failed (retried by the next run)
     */
    public record Counts(long linksRemoved, long blobsDeleted, long bytesFreed, long orphanFilesDeleted,
                         int errors) {
    }
}
