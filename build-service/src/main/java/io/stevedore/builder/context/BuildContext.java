package io.stevedore.builder.context;

import io.stevedore.builder.files.PosixMetadata;
import io.stevedore.oci.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The build context directory on the build machine, as COPY and ADD see it: .dockerignore'd
 * files are invisible, and nothing outside the directory can be reached, by '..' or by symlink.
 */
public final class BuildContext {
    private static final int HASH_BUFFER = 256 * 1024;
    /** One stat per file gives the mode and everything {@link ContentHashCache} keys on. */
    private static final String STAT_ATTRIBUTES = "unix:mode,size,lastModifiedTime,ctime,ino,dev";
    private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(HASH_BUFFER));

    private final Path root;
    private final Path realRoot;
    private final DockerIgnore ignore;
    private ContentHashCache hashCache = ContentHashCache.none();

    public BuildContext(Path root, DockerIgnore ignore) {
        this.root = root.toAbsolutePath().normalize();
        try {
            this.realRoot = this.root.toRealPath();
        } catch (IOException e) {
            throw new BuildContextException("build context " + root + " is not readable: " + e.getMessage(), e);
        }
        this.ignore = ignore;
    }

    /** Opens {@code root}, reading its .dockerignore when there is one. */
    public static BuildContext open(Path root) {
        Path ignoreFile = root.resolve(".dockerignore");
        try {
            String text = Files.isRegularFile(ignoreFile) ? Files.readString(ignoreFile) : "";
            return new BuildContext(root, text.isEmpty() ? DockerIgnore.none() : DockerIgnore.parse(text));
        } catch (IOException e) {
            throw new BuildContextException("cannot read " + ignoreFile + ": " + e.getMessage(), e);
        }
    }

    /** Keeps file hashes between builds in {@code cache} (see {@link ContentHashCache}); saved by {@link #saveHashes}. */
    public BuildContext withHashCache(ContentHashCache cache) {
        this.hashCache = cache;
        return this;
    }

    /** Where this context's file hashes are kept in {@code workDir}: one file per context directory. */
    public Path hashCacheFile(Path workDir) {
        return workDir.resolve("context-hashes").resolve(Digest.sha256(realRoot.toString().getBytes(StandardCharsets.UTF_8)).hex());
    }

    public void saveHashes() {
        hashCache.save();
    }

    /**
     * Expands COPY/ADD sources (filepath.Match globs per path component) to existing paths inside
     * the context, in pattern order, each once. A source that escapes the context, or matches
     * nothing visible, is a {@link BuildContextException} naming it.
     */
    public List<Path> resolveSources(List<String> patterns) {
        Set<Path> sources = new LinkedHashSet<>();
        for (String pattern : patterns) {
            String cleaned = PathNames.clean(pattern.replace('\\', '/').startsWith("/") ? pattern.substring(1) : pattern);
            if (cleaned.equals("..") || cleaned.startsWith("../")) {
                throw new BuildContextException("COPY/ADD source '" + pattern + "' is outside the build context");
            }
            List<String> matches = new ArrayList<>();
            expand(cleaned.equals(".") ? new String[0] : cleaned.split("/"), 0, "", matches, pattern);
            if (matches.isEmpty()) {
                throw new BuildContextException("COPY/ADD source '" + pattern + "' matches no file in the build context"
                        + " (or only .dockerignore'd ones)");
            }
            for (String match : matches) {
                Path path = match.isEmpty() ? root : root.resolve(match);
                ensureInside(path, pattern);
                sources.add(path);
            }
        }
        return List.copyOf(sources);
    }

    private void expand(String[] components, int index, String prefix, List<String> matches, String pattern) {
        if (index == components.length) {
            if (prefix.isEmpty() || !ignore.excluded(prefix)) {
                matches.add(prefix);
            }
            return;
        }
        String component = components[index];
        Path directory = prefix.isEmpty() ? root : root.resolve(prefix);
        if (!GlobPattern.hasMeta(component)) {
            String child = prefix.isEmpty() ? component : prefix + "/" + component;
            if (Files.exists(root.resolve(child), LinkOption.NOFOLLOW_LINKS)) {
                if (index + 1 < components.length) {
                    ensureInside(root.resolve(child), pattern);
                }
                expand(components, index + 1, child, matches, pattern);
            }
            return;
        }
        if (!Files.isDirectory(directory)) {
            return;
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path child : stream) {
                names.add(child.getFileName().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        names.sort(null);
        for (String name : names) {
            boolean match;
            try {
                match = GlobPattern.matches(component, name);
            } catch (GlobPattern.BadPatternException e) {
                throw new BuildContextException("COPY/ADD source '" + pattern + "' is not a valid pattern");
            }
            if (match) {
                String child = prefix.isEmpty() ? name : prefix + "/" + name;
                if (index + 1 < components.length) {
                    ensureInside(root.resolve(child), pattern);
                }
                expand(components, index + 1, child, matches, pattern);
            }
        }
    }

    /** Symlinks are followed, but they must end inside the context. */
    private void ensureInside(Path path, String pattern) {
        try {
            Path real = path.toRealPath();
            if (!real.startsWith(realRoot)) {
                throw new BuildContextException("COPY/ADD source '" + pattern + "' leads outside the build context through a symlink");
            }
        } catch (NoSuchFileException e) {
            throw new BuildContextException("COPY/ADD source '" + pattern + "' is a dangling symlink");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** .dockerignore as a filter for {@link FileCopier}: what it may copy from inside a source directory. */
    public SourceFilter filter() {
        return new SourceFilter() {
            @Override
            public boolean included(Path path) {
                String relative = root.relativize(path.toAbsolutePath().normalize()).toString();
                return relative.isEmpty() || !ignore.excluded(relative);
            }

            @Override
            public boolean mayIncludeBelow(Path excludedDirectory) {
                return ignore.hasExceptions();
            }
        };
    }

    /**
     * COPY from the context: resolves the sources, then copies them with .dockerignore applied
     * inside directories too. Ownership is {@code chown} or 0:0.
     */
    public void copy(List<String> patterns, Path targetRoot, String destinationInImage, Ownership chown, Integer chmod) {
        FileCopier.copy(resolveSources(patterns), filter(), targetRoot, destinationInImage, chown, chmod, false);
    }

    /**
     * A sha256 over (path, type, mode, link target, content) of every visible file the sources
     * cover, in sorted order: the COPY/ADD part of a cache key. Mtimes and owners are left out,
     * as in BuildKit, so a fresh checkout hits the cache. Files are hashed in parallel, and only
     * when their stat differs from the last build's (see {@link ContentHashCache}).
     */
    public Digest contentHash(List<String> patterns) {
        long statTakenAt = epochNanos();   // before any stat: the racy-clean rule compares against it
        List<Path> sources = resolveSources(patterns);
        List<Entry> entries = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (Path source : sources) {
            collect(source, root.relativize(source).toString(), entries, seen, true);
        }
        entries.sort((a, b) -> Arrays.compareUnsigned(a.sortKey, b.sortKey));
        entries.parallelStream().filter(e -> e.type == 'f')
                .forEach(e -> e.contentHash = hashCache.digest(e.path, e.stat, statTakenAt, () -> hashFile(e.path)));
        MessageDigest total = Digest.newMessageDigest("sha256");
        for (Entry e : entries) {
            total.update(e.sortKey);
            total.update((byte) 0);
            total.update((e.type + " " + Integer.toOctalString(e.mode) + " " + e.linkTarget + " ").getBytes(StandardCharsets.UTF_8));
            if (e.contentHash != null) {
                total.update(e.contentHash);
            }
            total.update((byte) '\n');
        }
        return Digest.fromMessageDigest("sha256", total);
    }

    private static final class Entry {
        final Path path;
        final byte[] sortKey;
        final char type;
        final int mode;
        final String linkTarget;
        final ContentHashCache.FileStat stat;
        byte[] contentHash;

        Entry(Path path, String relative, char type, int mode, String linkTarget, ContentHashCache.FileStat stat) {
            this.path = path;
            this.stat = stat;
            this.sortKey = relative.getBytes(StandardCharsets.UTF_8);
            this.type = type;
            this.mode = mode;
            this.linkTarget = linkTarget;
        }
    }

    /** {@code relative} is {@code path} relative to the root, built along the walk (relativize per file costs more than its stat). */
    private void collect(Path path, String relative, List<Entry> entries, Set<Path> seen, boolean topLevel) {
        if (!seen.add(path)) {
            return;
        }
        boolean visible = topLevel || !ignore.excluded(relative);
        try {
            // A top-level source symlink is followed (COPY copies what it points to); below, links are kept.
            Map<String, Object> stat = topLevel
                    ? Files.readAttributes(path, STAT_ATTRIBUTES)
                    : Files.readAttributes(path, STAT_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) stat.get("mode");
            int type = PosixMetadata.fileType(mode);
            if (type == PosixMetadata.TYPE_DIRECTORY) {
                if (!visible && !ignore.hasExceptions()) {
                    return;
                }
                if (visible) {
                    entries.add(new Entry(path, relative, 'd', mode & 07777, "", null));
                }
                List<Path> children = new ArrayList<>();
                try (DirectoryStream<Path> stream = Files.newDirectoryStream(path)) {
                    stream.forEach(children::add);
                }
                for (Path child : children) {
                    String name = child.getFileName().toString();
                    collect(child, relative.isEmpty() ? name : relative + "/" + name, entries, seen, false);
                }
            } else if (!visible) {
                return;
            } else if (type == PosixMetadata.TYPE_SYMLINK) {
                entries.add(new Entry(path, relative, 'l', mode & 07777, Files.readSymbolicLink(path).toString(), null));
            } else if (type == PosixMetadata.TYPE_REGULAR) {
                entries.add(new Entry(path, relative, 'f', mode & 07777, "", fileStat(stat, mode)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ContentHashCache.FileStat fileStat(Map<String, Object> stat, int mode) {
        return new ContentHashCache.FileStat((Long) stat.get("size"),
                ((FileTime) stat.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                ((FileTime) stat.get("ctime")).to(TimeUnit.NANOSECONDS), (Long) stat.get("ino"), (Long) stat.get("dev"), mode);
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static byte[] hashFile(Path file) {
        MessageDigest sha256 = Digest.newMessageDigest("sha256");
        ByteBuffer buffer = BUFFERS.get();
        try (FileChannel channel = FileChannel.open(file)) {
            while (true) {
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    break;
                }
                buffer.flip();
                sha256.update(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256.digest();
    }
}
