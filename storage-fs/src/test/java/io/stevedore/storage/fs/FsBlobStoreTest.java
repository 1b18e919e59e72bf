package io.stevedore.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.oci.Digest;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.BlobStoreContract;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
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

    /** Hands out at most {@code most} bytes per read, then fails after {@code failAfter} bytes (if >= 0). */
    private static InputStream trickling(byte[] content, int from, int to, int most, long failAfter) {
        return new InputStream() {
            private int position = from;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (failAfter >= 0 && position - from >= failAfter) {
                    throw new IOException("client went away");
                }
                if (position >= to) {
                    return -1;
                }
                int n = Math.min(Math.min(len, most), to - position);
                System.arraycopy(content, position, b, off, n);
                position += n;
                return n;
            }
        };
    }

    @Test
    void largeAppendsHashedBesideTheWritesCommitUnderTheirDigest() throws Exception {
        byte[] content = randomBytes(21 * 1024 * 1024 + 17, 7);
        String id = UploadIds.newId();
        try (UploadWriter writer = store.upload(id, null)) {
            assertThat(writer.append(trickling(content, 0, 9_000_001, 100_003, -1))).isEqualTo(9_000_001);
        }
        try (UploadWriter writer = store.upload(id, null)) {
            writer.append(new ByteArrayInputStream(content, 9_000_001, content.length - 9_000_001));
            assertThat(writer.commit(Digest.sha256(content))).isEqualTo(content.length);
        }
        try (InputStream in = store.read(Digest.sha256(content), 0)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void aBodyBrokenOffMidwayLeavesASessionThatContinuesFromWhatWasWritten() throws Exception {
        byte[] content = randomBytes(3 * 1024 * 1024, 8);
        String id = UploadIds.newId();
        long kept;
        try (UploadWriter writer = store.upload(id, null)) {
            assertThatThrownBy(() -> writer.append(trickling(content, 0, content.length, 70_000, 1_500_000)))
                    .isInstanceOf(IOException.class);
            kept = writer.size();
        }
        assertThat(kept).isPositive().isLessThanOrEqualTo(1_500_000);
        try (UploadWriter writer = store.upload(id, null)) {
            assertThat(writer.size()).isEqualTo(kept);
            writer.append(new ByteArrayInputStream(content, (int) kept, content.length - (int) kept));
            assertThat(writer.commit(Digest.sha256(content))).isEqualTo(content.length);
        }
        try (UploadWriter writer = store.upload(UploadIds.newId(), null)) {
            writer.append(new ByteArrayInputStream(content, 0, 1_000_000));
            assertThatThrownBy(() -> writer.commit(Digest.sha256(content))).isInstanceOf(
                    io.stevedore.storage.DigestMismatchException.class);
        }
    }
}
