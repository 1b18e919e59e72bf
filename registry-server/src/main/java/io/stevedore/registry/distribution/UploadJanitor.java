package io.stevedore.registry.distribution;

import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.metadata.UploadStore;
import io.stevedore.registry.metadata.UploadStore.Upload;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.StaleUploads;
import io.stevedore.storage.UploadWriter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Cancels upload sessions nobody has touched for {@code registry.storage.upload-timeout}, so a
 * client that gave up leaves no bytes (or, on S3, no open multipart upload) behind. Every replica
 * runs it; each session row is claimed by exactly one of them.
 */
@Component
class UploadJanitor {
    private static final Logger log = LoggerFactory.getLogger(UploadJanitor.class);
    private static final int BATCH = 100;

    private final UploadStore uploads;
    private final BlobStore store;
    private final Duration timeout;

    UploadJanitor(UploadStore uploads, BlobStore store, RegistryProperties properties) {
        this.uploads = uploads;
        this.store = store;
        this.timeout = properties.storage().uploadTimeout();
    }

    @Scheduled(initialDelayString = "PT1M", fixedDelayString = "PT10M")
    void run() {
        cancelIdleSessions();
        abortOrphanedUploads();
    }

    /**
     * A process that died between starting an upload in the store and recording it leaves one
     * that no session row knows of (on S3 a multipart upload, billed until aborted), in stores
     * that can hold such leftovers at all. Twice the idle timeout keeps clear of any session
     * still in use.
     */
    void abortOrphanedUploads() {
        if (store instanceof StaleUploads stale) {
            try {
                Instant cutoff = Instant.now().minus(timeout.multipliedBy(2));
                StaleUploads.Removed removed = stale.abortUploadsStartedBefore(cutoff);
                if (removed.any()) {
                    log.info("removed stale upload leftovers: {}", removed);
                }
            } catch (IOException | RuntimeException e) {
                log.warn("could not remove stale upload leftovers: {}", e.toString());
            }
        }
    }

    /** Cancels the idle sessions; returns how many. */
    int cancelIdleSessions() {
        int total = 0;
        List<Upload> claimed;
        do {
            claimed = uploads.claimIdle(timeout, BATCH);
            for (Upload upload : claimed) {
                try (UploadWriter writer = store.upload(upload.id().toString(), upload.storageState())) {
                    writer.cancel();
                } catch (IOException | RuntimeException e) {
                    log.warn("could not remove the bytes of abandoned upload {}: {}", upload.id(), e.toString());
                }
            }
            total += claimed.size();
        } while (claimed.size() == BATCH);
        if (total > 0) {
            log.info("cancelled {} upload sessions idle for more than {}", total, timeout);
        }
        return total;
    }
}
