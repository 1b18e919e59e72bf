package io.stevedore.builder.context;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Content hashes of build-context files keyed by what stat says about them (size, mtime, ctime,
 * inode, device, mode), so a rebuild does not re-read files that have not changed, as BuildKit keeps
 * file metadata between builds. Persisted in the work dir, one file per context directory.
 *
 * <p>Any difference in the stat re-hashes. A file changed without any stat difference (same size,
 * rewritten within one timestamp tick of the hashing) is the "racily clean" case git knows: an entry
 * is only trusted when the file's mtime and ctime lie at least {@link #RACY_WINDOW_NANOS} before the
 * moment hashing began (two seconds for timestamps without sub-second part, as on FAT or ext3);
 * otherwise the file is read again, and the entry, re-stamped, is trusted the build after. This
 * assumes the context's filesystem stamps files with this machine's clock (a network filesystem
 * whose server clock runs more than the window behind could hide a change; --no-cache is the
 * escape).
 */
public final class ContentHashCache {
    static final long RACY_WINDOW_NANOS = 100_000_000L;
    static final long COARSE_RACY_WINDOW_NANOS = 2_000_000_000L;
    private static final int FORMAT = 0x53484331;   // "SHC1"
    private static final int MAX_ENTRIES = 200_000;

    /** What stat says about a file; a change in any of it means the content may have changed. */
    public record FileStat(long size, long mtimeNanos, long ctimeNanos, long inode, long device, int mode) {
        /** The latest of mtime and ctime: chmod, chown and touch -m with an old time all move ctime. */
        long changedNanos() {
            return Math.max(mtimeNanos, ctimeNanos);
        }

        boolean coarse() {
            return mtimeNanos % 1_000_000_000L == 0 && ctimeNanos % 1_000_000_000L == 0;
        }
    }

    private record Entry(FileStat stat, long hashedAtNanos, byte[] digest) {}

    private static final int MAX_CONTEXTS_IN_MEMORY = 16;
    private static final Map<Path, ContentHashCache> IN_MEMORY = new ConcurrentHashMap<>();

    private final Path file;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile boolean dirty;
    private volatile Object version;

    private ContentHashCache(Path file) {
        this.file = file;
    }

    /** A cache that keeps nothing (no work dir), for callers that only need hashes once. */
    public static ContentHashCache none() {
        return new ContentHashCache(null);
    }

    /**
     * The cache stored at {@code file}: the one this process last read or wrote while the file is
     * unchanged since (a long-lived build daemon then skips reading it), else read again; a missing
     * or unreadable file is an empty cache.
     */
    public static ContentHashCache load(Path file) {
        Object version = fileVersion(file);
        ContentHashCache kept = IN_MEMORY.get(file);
        if (kept != null && version != null && version.equals(kept.version)) {
            return kept;
        }
        ContentHashCache cache = read(file);
        cache.version = version;
        if (IN_MEMORY.size() >= MAX_CONTEXTS_IN_MEMORY) {
            IN_MEMORY.clear();
        }
        IN_MEMORY.put(file, cache);
        return cache;
    }

    /** What tells this process's copy from the file's: its size, mtime and inode (a rename replaces it). */
    private static Object fileVersion(Path file) {
        try {
            Map<String, Object> stat = Files.readAttributes(file, "unix:size,lastModifiedTime,ino");
            return List.of(stat.get("size"), stat.get("lastModifiedTime"), stat.get("ino"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static ContentHashCache read(Path file) {
        ContentHashCache cache = new ContentHashCache(file);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != FORMAT) {
                return cache;
            }
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String path = in.readUTF();
                FileStat stat = new FileStat(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                        in.readInt());
                long hashedAt = in.readLong();
                byte[] digest = new byte[in.readUnsignedByte()];
                in.readFully(digest);
                cache.entries.put(path, new Entry(stat, hashedAt, digest));
            }
        } catch (NoSuchFileException e) {
            // first build of this context
        } catch (IOException | RuntimeException e) {
            cache.entries.clear();   // a torn or foreign file: start over, hashes are only a shortcut
        }
        return cache;
    }

    /**
     * The digest of {@code path} whose stat is {@code stat}: the stored one when the stat is the same
     * and was not racy, else {@code hash}'s, which is stored. Call with the stat taken before hashing.
     */
    public byte[] digest(Path path, FileStat stat, long statTakenAtNanos, Supplier<byte[]> hash) {
        String key = path.toString();
        Entry known = entries.get(key);
        if (known != null && known.stat().equals(stat) && !racy(stat, known.hashedAtNanos())) {
            return known.digest();
        }
        byte[] digest = hash.get();
        if (file != null) {
            entries.put(key, new Entry(stat, statTakenAtNanos, digest));
            dirty = true;
        }
        return digest;
    }

    /** Whether a change after hashing could have left the stat as it was. */
    static boolean racy(FileStat stat, long hashedAtNanos) {
        long window = stat.coarse() ? COARSE_RACY_WINDOW_NANOS : RACY_WINDOW_NANOS;
        return stat.changedNanos() >= hashedAtNanos - window;
    }

    /** Writes the cache if anything changed (atomically: a concurrent build reads the old or the new file). */
    public void save() {
        if (file == null || !dirty) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().threadId());
        try {
            Files.createDirectories(file.getParent());
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                int count = Math.min(entries.size(), MAX_ENTRIES);
                out.writeInt(FORMAT);
                out.writeInt(count);
                int written = 0;
                for (Map.Entry<String, Entry> e : entries.entrySet()) {
                    if (written++ == count) {
                        break;
                    }
                    FileStat s = e.getValue().stat();
                    out.writeUTF(e.getKey());
                    out.writeLong(s.size());
                    out.writeLong(s.mtimeNanos());
                    out.writeLong(s.ctimeNanos());
                    out.writeLong(s.inode());
                    out.writeLong(s.device());
                    out.writeInt(s.mode());
                    out.writeLong(e.getValue().hashedAtNanos());
                    out.writeByte(e.getValue().digest().length);
                    out.write(e.getValue().digest());
                }
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            dirty = false;
            version = fileVersion(file);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a stray temp file in the work dir; the next save replaces the cache anyway
            }
        }
    }
}
