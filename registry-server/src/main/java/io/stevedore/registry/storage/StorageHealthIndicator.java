package io.stevedore.registry.storage;

import io.stevedore.oci.Digest;
import io.stevedore.storage.BlobStore;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** Readiness: the blob store answers a stat. */
@Component("storage")
class StorageHealthIndicator extends AbstractHealthIndicator {
    private static final Digest PROBE = Digest.sha256(new byte[0]);
    private final BlobStore store;

    StorageHealthIndicator(BlobStore store) {
        this.store = store;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        store.stat(PROBE);
        builder.up().withDetail("type", store.getClass().getSimpleName());
    }
}
