package io.stevedore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link BlobStore} must have. A driver's test extends this class and
 * supplies a fresh, empty store; nothing else.
 */
public abstract class BlobStoreContract {

    protected BlobStore store;

    /** A new, empty store; called before each test. */
    protected abstract BlobStore newStore() throws Exception;

    /**
     * Another instance over the same storage as {@link #store}, as a second replica or a
     * restarted process would have: no memory shared with the first.
     */
    protected abstract BlobStore sameStorageElsewhere() throws Exception;

    @BeforeEach
    void createStore() throws Exception {
        store = newStore();
    }

    protected static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    protected Digest put(byte[] content) throws Exception {
        Digest digest = Digest.sha256(content);
        try (UploadWriter writer = store.upload(UploadIds.newId())) {
            writer.append(new ByteArrayInputStream(content));
            writer.commit(digest);
        }
        return digest;
    }

    @Test
    void committedBlobIsReadableWithItsSize() throws Exception {
        byte[] content = randomBytes(300_000, 1);
        Digest digest = put(content);
        assertThat(store.stat(digest)).contains((long) content.length);
        try (InputStream in = store.read(digest, 0)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void readStartsAtTheOffset() throws Exception {
        byte[] content = randomBytes(10_000, 2);
        Digest digest = put(content);
        try (InputStream in = store.read(digest, 9_000)) {
            byte[] tail = in.readAllBytes();
            assertThat(tail).hasSize(1_000);
            assertThat(tail[0]).isEqualTo(content[9_000]);
        }
    }

    @Test
    void unknownBlobHasNoStatAndCannotBeRead() throws Exception {
        Digest digest = Digest.sha256("never stored".getBytes());
        assertThat(store.stat(digest)).isEmpty();
        assertThatThrownBy(() -> store.read(digest, 0).close()).isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void commitOfWrongDigestIsRejectedAndKeepsNothing() throws Exception {
        byte[] content = randomBytes(1000, 3);
        Digest claimed = Digest.sha256("something else".getBytes());
        String id = UploadIds.newId();
        try (UploadWriter writer = store.upload(id)) {
            writer.append(new ByteArrayInputStream(content));
            assertThatThrownBy(() -> writer.commit(claimed)).isInstanceOf(DigestMismatchException.class);
        }
        assertThat(store.stat(claimed)).isEmpty();
        assertThat(store.stat(Digest.sha256(content))).isEmpty();
        List<Digest> all = new ArrayList<>();
        store.walk(all::add);
        assertThat(all).isEmpty();
        try (UploadWriter again = store.upload(id)) {
            assertThat(again.size()).as("the failed session's bytes are gone").isZero();
            again.cancel();
        }
    }

    @Test
    void uploadContinuesAcrossWritersAsInAChunkedPush() throws Exception {
        byte[] content = randomBytes(700_000, 4);
        String id = UploadIds.newId();
        int[] cuts = {0, 1, 65_536, 300_001, 700_000};
        String state = null;
        for (int i = 0; i + 1 < cuts.length; i++) {
            try (UploadWriter writer = store.upload(id, state)) {
                assertThat(writer.size()).isEqualTo(cuts[i]);
                long n = writer.append(new ByteArrayInputStream(content, cuts[i], cuts[i + 1] - cuts[i]));
                assertThat(n).isEqualTo(cuts[i + 1] - cuts[i]);
                state = writer.state();
            }
        }
        try (UploadWriter writer = store.upload(id, state)) {
            assertThat(writer.commit(Digest.sha256(content))).isEqualTo(content.length);
        }
        try (InputStream in = store.read(Digest.sha256(content), 0)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void uploadContinuesInAnotherInstanceOverTheSameStorage() throws Exception {
        byte[] content = randomBytes(1_500_000, 10);
        String id = UploadIds.newId();
        String state;
        try (UploadWriter writer = store.upload(id, null)) {
            writer.append(new ByteArrayInputStream(content, 0, 600_000));
            state = writer.state();
        }
        BlobStore elsewhere = sameStorageElsewhere();
        try (UploadWriter writer = elsewhere.upload(id, state)) {
            assertThat(writer.size()).isEqualTo(600_000);
            writer.append(new ByteArrayInputStream(content, 600_000, 900_000));
            state = writer.state();
        }
        try (UploadWriter writer = store.upload(id, state)) {
            assertThat(writer.size()).isEqualTo(content.length);
            writer.commit(Digest.sha256(content));
        }
        try (InputStream in = elsewhere.read(Digest.sha256(content), 0)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void emptyBlobAndSha512AreSupported() throws Exception {
        Digest empty = put(new byte[0]);
        assertThat(store.stat(empty)).contains(0L);
        byte[] content = randomBytes(5000, 5);
        Digest sha512 = Digest.of("sha512", content);
        try (UploadWriter writer = store.upload(UploadIds.newId())) {
            writer.append(new ByteArrayInputStream(content));
            writer.commit(sha512);
        }
        try (InputStream in = store.read(sha512, 0)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void cancelDiscardsTheSession() throws Exception {
        byte[] content = randomBytes(1000, 6);
        String id = UploadIds.newId();
        try (UploadWriter writer = store.upload(id)) {
            writer.append(new ByteArrayInputStream(content));
            writer.cancel();
        }
        try (UploadWriter writer = store.upload(id)) {
            assertThat(writer.size()).isZero();
            writer.cancel();
        }
        assertThat(store.stat(Digest.sha256(content))).isEmpty();
    }

    @Test
    void concurrentCommitsOfTheSameBlobLeaveOneIntactCopy() throws Exception {
        byte[] content = randomBytes(2_000_000, 7);
        Digest digest = Digest.sha256(content);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    try (UploadWriter writer = store.upload(UploadIds.newId())) {
                        writer.append(new ByteArrayInputStream(content));
                        return writer.commit(digest);
                    }
                }));
            }
            for (Future<Long> result : results) {
                assertThat(result.get()).isEqualTo(content.length);
            }
        } finally {
            pool.shutdownNow();
        }
        try (InputStream in = store.read(digest, 0)) {
            assertThat(Digest.sha256(in.readAllBytes())).isEqualTo(digest);
        }
        List<Digest> all = new ArrayList<>();
        store.walk(all::add);
        assertThat(all).containsExactly(digest);
    }

    @Test
    void deleteRemovesTheBlobAndWalkListsWhatRemains() throws Exception {
        Digest a = put(randomBytes(100, 8));
        Digest b = put(randomBytes(100, 9));
        assertThat(store.delete(a)).isTrue();
        assertThat(store.delete(a)).isFalse();
        assertThat(store.stat(a)).isEmpty();
        List<Digest> all = new ArrayList<>();
        store.walk(all::add);
        assertThat(all).containsExactly(b);
    }

    @Test
    void hostileUploadIdsAreRefused() {
        for (String id : List.of("../../etc/passwd", "/abs", "", "a/b", "..")) {
            assertThatThrownBy(() -> store.upload(id).close()).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
