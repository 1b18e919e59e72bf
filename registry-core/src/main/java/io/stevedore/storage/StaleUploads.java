package io.stevedore.storage;

import java.io.IOException;
import java.time.Instant;

/**
 * Optional capability of a store that can hold upload leftovers no upload session knows of, such
 * as S3, where a process that died between starting a multipart upload and recording it leaves one
 * that is billed until aborted. A janitor calls it now and then. Not part of {@link BlobStore}: a
 * store that keeps nothing outside its sessions has nothing to clean.
 */
public interface StaleUploads {

    /** What {@link #abortUploadsStartedBefore} removed: unfinished uploads aborted, leftover objects deleted. */
    record Removed(int uploadsAborted, int objectsDeleted) {
        public boolean any() {
            return uploadsAborted > 0 || objectsDeleted > 0;
        }
    }

    /**
     * Removes what upload sessions started before {@code cutoff} left behind. A session still in
     * use that started before the cutoff is lost too, so the cutoff should lie well before the
     * oldest upload session the registry still honours.
     */
    Removed abortUploadsStartedBefore(Instant cutoff) throws IOException;
}
