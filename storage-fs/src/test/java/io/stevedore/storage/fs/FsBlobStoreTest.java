package io.stevedore.storage.fs;

import io.stevedore.storage.BlobStore;
import io.stevedore.storage.BlobStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FsBlobStoreTest extends BlobStoreContract {

    @TempDir
    Path root;

    @Override
    protected BlobStore newStore() throws Exception {
        return new FsBlobStore(root.resolve("store-" + System.nanoTime()));
    }
}
