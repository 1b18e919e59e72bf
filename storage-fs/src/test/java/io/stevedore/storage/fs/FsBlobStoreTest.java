package io.stevedore.storage.fs;

import io.stevedore.storage.BlobStore;
import io.stevedore.storage.BlobStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FsBlobStoreTest extends BlobStoreContract {

    @TempDir
    Path root;
    private Path current;

    @Override
    protected BlobStore newStore() throws Exception {
        current = root.resolve("store-" + System.nanoTime());
        return new FsBlobStore(current);
    }

    @Override
    protected BlobStore sameStorageElsewhere() throws Exception {
        return new FsBlobStore(current);
    }
}
