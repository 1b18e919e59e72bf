package io.stevedore.builder.context;

import io.stevedore.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class ContentHashCacheTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * SECOND + 123_456_789L;   // a file's mtime with sub-second part

    @TempDir
    Path temp;

    private final AtomicInteger reads = new AtomicInteger();

    private Supplier<byte[]> hashing(String content) {
        return () -> {
            reads.incrementAndGet();
            return Digest.sha256(content.getBytes()).toString().getBytes();
        };
    }

    private static ContentHashCache.FileStat stat(long size, long mtime, int mode) {
        return new ContentHashCache.FileStat(size, mtime, mtime, 42, 7, mode);
    }

    @Test
    void anUnchangedStatOutsideTheRacyWindowReusesTheStoredDigestAfterSaveAndLoad() {
        Path file = temp.resolve("hashes");
        ContentHashCache cache = ContentHashCache.load(file);
        byte[] first = cache.digest(Path.of("/ctx/a"), stat(4, T0, 0100644), T0 + 10 * SECOND, hashing("aaaa"));
        cache.save();

        byte[] again = ContentHashCache.load(file).digest(Path.of("/ctx/a"), stat(4, T0, 0100644), T0 + 20 * SECOND,
                hashing("aaaa"));

        assertThat(again).isEqualTo(first);
        assertThat(reads).hasValue(1);
    }

    @Test
    void changedContentWithSameSizeAndMtimeInsideTheRacyWindowIsHashedAgain() {
        ContentHashCache cache = ContentHashCache.load(temp.resolve("hashes"));
        // hashed 50 ms after its last change: a write in the same timestamp tick could leave the stat as it was
        cache.digest(Path.of("/ctx/a"), stat(4, T0, 0100644), T0 + 50_000_000L, hashing("aaaa"));

        byte[] now = cache.digest(Path.of("/ctx/a"), stat(4, T0, 0100644), T0 + 10 * SECOND, hashing("bbbb"));

        assertThat(now).isEqualTo(Digest.sha256("bbbb".getBytes()).toString().getBytes());
        assertThat(reads).hasValue(2);
        // re-stamped when read again: trusted from the next build on
        cache.digest(Path.of("/ctx/a"), stat(4, T0, 0100644), T0 + 20 * SECOND, hashing("bbbb"));
        assertThat(reads).hasValue(2);
    }

    @Test
    void timestampsWithoutSubSecondPartGetATwoSecondRacyWindow() {
        long coarse = 1_700_000_000L * SECOND;
        ContentHashCache cache = ContentHashCache.load(temp.resolve("hashes"));
        cache.digest(Path.of("/ctx/a"), stat(4, coarse, 0100644), coarse + 1_500_000_000L, hashing("aaaa"));

        cache.digest(Path.of("/ctx/a"), stat(4, coarse, 0100644), coarse + 10 * SECOND, hashing("bbbb"));

        assertThat(reads).hasValue(2);
    }

    @Test
    void aChangeOfModeSizeMtimeCtimeOrInodeIsHashedAgain() {
        ContentHashCache cache = ContentHashCache.load(temp.resolve("hashes"));
        Path a = Path.of("/ctx/a");
        long later = T0 + 100 * SECOND;
        cache.digest(a, stat(4, T0, 0100644), T0 + 10 * SECOND, hashing("aaaa"));

        cache.digest(a, stat(4, T0, 0100755), later, hashing("aaaa"));
        cache.digest(a, stat(5, T0, 0100755), later, hashing("aaaaa"));
        cache.digest(a, stat(5, T0 + 1, 0100755), later, hashing("aaaab"));
        cache.digest(a, new ContentHashCache.FileStat(5, T0 + 1, T0 + 2, 42, 7, 0100755), later, hashing("aaaac"));
        cache.digest(a, new ContentHashCache.FileStat(5, T0 + 1, T0 + 2, 43, 7, 0100755), later, hashing("aaaad"));

        assertThat(reads).hasValue(6);
    }

    @Test
    void aRemovedCacheFileIsNotServedFromThisProcessesMemory() throws Exception {
        Path file = savedWithFileA();
        digestOfFileA(file, T0 + 20 * SECOND);
        assertThat(reads).hasValue(1);

        Files.delete(file);
        digestOfFileA(file, T0 + 30 * SECOND);

        assertThat(reads).hasValue(2);
    }

    @Test
    void aTornCacheFileIsAnEmptyCache() throws Exception {
        Path file = savedWithFileA();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 5));

        digestOfFileA(file, T0 + 20 * SECOND);

        assertThat(reads).hasValue(2);
    }

    // The same rules through a real build context on this machine's filesystem.

    private Path context() throws Exception {
        Path root = Files.createDirectories(temp.resolve("ctx"));
        Files.createDirectories(root.resolve("src"));
        Files.writeString(root.resolve("src/a.txt"), "aaaa");
        Files.writeString(root.resolve("src/b.txt"), "bbbb");
        return root;
    }

    private Digest hashWithCache(Path root) {
        BuildContext context = BuildContext.open(root);
        context.withHashCache(ContentHashCache.load(context.hashCacheFile(temp.resolve("work"))));
        Digest digest = context.contentHash(List.of("src/"));
        context.saveHashes();
        return digest;
    }

    private static Digest hashWithoutCache(Path root) {
        return BuildContext.open(root).contentHash(List.of("src/"));
    }

    @Test
    void aFileRewrittenWithTheSameSizeAndMtimeRightAfterHashingGetsItsNewDigest() throws Exception {
        Path root = context();
        Path a = root.resolve("src/a.txt");
        FileTime mtime = Files.getLastModifiedTime(a);
        hashWithCache(root);

        Files.writeString(a, "zzzz");
        Files.setLastModifiedTime(a, mtime);

        assertThat(hashWithCache(root)).isEqualTo(hashWithoutCache(root));
    }

    @Test
    void chmodChangesTheDigest() throws Exception {
        Path root = context();
        Digest before = hashWithCache(root);

        Files.setPosixFilePermissions(root.resolve("src/b.txt"), PosixFilePermissions.fromString("rwxr-xr-x"));

        Digest after = hashWithCache(root);
        assertThat(after).isNotEqualTo(before).isEqualTo(hashWithoutCache(root));
    }

    @Test
    void aDeletedFileLeavesTheDigestAndARecreatedOneIsHashedAgain() throws Exception {
        Path root = context();
        Path a = root.resolve("src/a.txt");
        FileTime mtime = Files.getLastModifiedTime(a);
        Digest before = hashWithCache(root);

        Files.delete(a);
        assertThat(hashWithCache(root)).isNotEqualTo(before).isEqualTo(hashWithoutCache(root));
        Files.writeString(a, "yyyy");
        Files.setLastModifiedTime(a, mtime);

        assertThat(hashWithCache(root)).isNotEqualTo(before).isEqualTo(hashWithoutCache(root));
    }

    /** A cache file holding /ctx/a's digest, hashed once. */
    private Path savedWithFileA() {
        Path file = temp.resolve("hashes");
        ContentHashCache cache = ContentHashCache.load(file);
        cache.digest(Path.of("/ctx/a"), stat(4, T0, 0100644), T0 + 10 * SECOND, hashing("aaaa"));
        cache.save();
        return file;
    }

    /** /ctx/a, unchanged, looked up through the cache {@code file} holds, at {@code at}. */
    private void digestOfFileA(Path file, long at) {
        ContentHashCache.load(file).digest(Path.of("/ctx/a"), stat(4, T0, 0100644), at, hashing("aaaa"));
    }
}
