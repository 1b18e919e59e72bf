package io.stevedore.builder.layers;

import io.stevedore.builder.files.PosixMetadata;
import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Tars a directory (an overlay upper dir after a step) as a gzip OCI layer in one streaming pass,
 * hashing the tar (diff_id) and the gzip (digest) on the way. Overlay deletions (0/0 character
 * devices) become {@code .wh.NAME} entries and opaque directories get {@code .wh..wh..opq}.
 * Entries are sorted by the bytes of their path and carry only normalised metadata, so the same
 * tree always gives the same bytes.
 */
public final class LayerWriter {
    private static final int BUFFER = 1 << 20;
    private static final System.Logger LOG = System.getLogger(LayerWriter.class.getName());

    private LayerWriter() {}

    private enum Kind { DIRECTORY, REGULAR, SYMLINK, WHITEOUT, OPAQUE_MARKER }

    /** One entry to write; {@code path} is relative, slash-separated, without a trailing slash. */
    private record Item(String path, byte[] sortKey, Kind kind, Path file, Map<String, Object> stat) {}

    /**
     * Writes the layer of {@code dir} to {@code outputFile}.
     *
     * @throws CapabilityLossException when getfattr is missing and the tree holds an executable
     */
    public static LayerBlob write(Path dir, Path outputFile, LayerOptions options) {
        return write(dir, outputFile, options, SecurityXattrs.onThisHost());
    }

    static LayerBlob write(Path dir, Path outputFile, LayerOptions options, SecurityXattrs securityXattrs) {
        try {
            return new Run(dir, options, securityXattrs).write(outputFile);
        } catch (IOException e) {
            throw new UncheckedIOException("writing layer from " + dir + ": " + e.getMessage(), e);
        }
    }

    private static final class Run {
        private final Path dir;
        private final LayerOptions options;
        private final SecurityXattrs securityXattrs;
        private final List<Item> items = new ArrayList<>();
        private final byte[] buffer = new byte[BUFFER];
        private final Map<String, String> firstPathOfInode = new HashMap<>();
        private Map<Path, byte[]> capabilities = Map.of();

        Run(Path dir, LayerOptions options, SecurityXattrs securityXattrs) {
            this.dir = dir.toAbsolutePath();
            this.options = options;
            this.securityXattrs = securityXattrs;
        }

        LayerBlob write(Path outputFile) throws IOException {
            Future<Map<Path, byte[]>> capabilityScan = securityXattrs.canRead()
                    ? securityXattrs.readCapabilitiesAsync(dir) : null;
            collect(dir, "");
            items.sort((a, b) -> Arrays.compareUnsigned(a.sortKey(), b.sortKey()));
            if (capabilityScan != null) {
                capabilities = await(capabilityScan);
            } else {
                refuseExecutables();
            }

            HashingOutputStream compressed;
            HashingOutputStream tar;
            try (OutputStream file = Files.newOutputStream(outputFile)) {
                compressed = new HashingOutputStream(file, Digest.newMessageDigest("sha256"));
                ParallelGzipOutputStream gzip = ParallelGzipOutputStream.onSharedPool(compressed, options.compressionLevel());
                tar = new HashingOutputStream(gzip, Digest.newMessageDigest("sha256"));
                OutputStream buffered = new BufferedOutputStream(tar, BUFFER);
                TarWriter writer = new TarWriter(buffered);
                for (Item item : items) {
                    writeItem(writer, buffered, item);
                }
                writer.finish();
                buffered.flush();
                gzip.finish();
            }
            return new LayerBlob(outputFile, Digest.fromMessageDigest("sha256", compressed.digest()),
                    compressed.count(), Digest.fromMessageDigest("sha256", tar.digest()), MediaTypes.OCI_LAYER_GZIP);
        }

        /** Lists {@code directory} recursively with one lstat per entry; symlinks are never followed. */
        private void collect(Path directory, String prefix) throws IOException {
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
                stream.forEach(children::add);
            }
            for (Path child : children) {
                String name = child.getFileName().toString();
                String path = prefix.isEmpty() ? name : prefix + "/" + name;
                Map<String, Object> stat = PosixMetadata.stat(child);
                int mode = (Integer) stat.get("mode");
                switch (PosixMetadata.fileType(mode)) {
                    case PosixMetadata.TYPE_DIRECTORY -> {
                        items.add(item(path, Kind.DIRECTORY, child, stat));
                        if (isOpaque(child)) {
                            items.add(item(path + "/" + TarExtraction.OPAQUE_MARKER, Kind.OPAQUE_MARKER, child, stat));
                        }
                        collect(child, path);
                    }
                    case PosixMetadata.TYPE_REGULAR -> items.add(item(path, Kind.REGULAR, child, stat));
                    case PosixMetadata.TYPE_SYMLINK -> items.add(item(path, Kind.SYMLINK, child, stat));
                    case PosixMetadata.TYPE_CHAR_DEVICE -> {
                        if (((Number) stat.get("rdev")).longValue() == 0) {
                            String whiteout = (prefix.isEmpty() ? "" : prefix + "/") + TarExtraction.WHITEOUT_PREFIX + name;
                            items.add(item(whiteout, Kind.WHITEOUT, child, stat));
                        } else {
                            LOG.log(System.Logger.Level.INFO, "device " + path + " left out of the layer");
                        }
                    }
                    default -> LOG.log(System.Logger.Level.INFO, "special file " + path + " left out of the layer");
                }
            }
        }

        /**
         * Without getfattr nothing tells whether a file carries a capability, and any may: a RUN
         * step can run setcap (dpkg does, installing ping), overlayfs keeps a lower file's
         * capability when it copies the file up, and a preserving COPY --from may carry one. The
         * kernel honours a file capability only when the file is executed, so a layer without
         * executable regular files loses nothing and is written; one with an executable fails
         * rather than maybe dropping its capability without a word.
         */
        private void refuseExecutables() {
            for (Item item : items) {
                if (item.kind() == Kind.REGULAR && ((Integer) item.stat().get("mode") & 0111) != 0) {
                    throw CapabilityLossException.cannotRead(item.path());
                }
            }
        }

        private static Item item(String path, Kind kind, Path file, Map<String, Object> stat) {
            return new Item(path, path.getBytes(StandardCharsets.UTF_8), kind, file, stat);
        }

        private void writeItem(TarWriter writer, OutputStream out, Item item) throws IOException {
            Map<String, Object> stat = item.stat();
            int mode = (Integer) stat.get("mode") & 07777;
            int uid = (Integer) stat.get("uid");
            int gid = (Integer) stat.get("gid");
            long mtime = options.mtimeSeconds(((FileTime) stat.get("lastModifiedTime")).toMillis() / 1000);
            switch (item.kind()) {
                case WHITEOUT, OPAQUE_MARKER ->
                        writer.writeHeader(item.path(), TarEntry.REGULAR, 0, 0, 0, 0, mtime, null, Map.of());
                case DIRECTORY ->
                        writer.writeHeader(item.path() + "/", TarEntry.DIRECTORY, 0, mode, uid, gid, mtime, null, xattrs(item.file()));
                case SYMLINK -> writer.writeHeader(item.path(), TarEntry.SYMLINK, 0, mode, uid, gid, mtime,
                        Files.readSymbolicLink(item.file()).toString(), Map.of());
                case REGULAR -> {
                    if ((Integer) stat.get("nlink") > 1) {
                        String inode = stat.get("dev") + ":" + stat.get("ino");
                        String first = firstPathOfInode.putIfAbsent(inode, item.path());
                        if (first != null) {
                            writer.writeHeader(item.path(), TarEntry.HARD_LINK, 0, mode, uid, gid, mtime, first, Map.of());
                            return;
                        }
                    }
                    long size = (Long) stat.get("size");
                    writer.writeHeader(item.path(), TarEntry.REGULAR, size, mode, uid, gid, mtime, null, xattrs(item.file()));
                    copyContent(item.file(), size, out);
                    writer.pad(size);
                }
            }
        }

        /** Exactly {@code size} bytes, as the header promised, even if the file changed meanwhile. */
        private void copyContent(Path file, long size, OutputStream out) throws IOException {
            long left = size;
            try (FileChannel channel = FileChannel.open(file)) {
                ByteBuffer wrapped = ByteBuffer.wrap(buffer);
                while (left > 0) {
                    wrapped.clear().limit((int) Math.min(buffer.length, left));
                    int n = channel.read(wrapped);
                    if (n < 0) {
                        break;
                    }
                    out.write(buffer, 0, n);
                    left -= n;
                }
            }
            Arrays.fill(buffer, 0, (int) Math.min(buffer.length, left), (byte) 0);
            while (left > 0) {
                int n = (int) Math.min(buffer.length, left);
                out.write(buffer, 0, n);
                left -= n;
            }
        }

        /** user.* attributes except overlay's own markers, plus security.capability; sorted by name. */
        private Map<String, byte[]> xattrs(Path file) throws IOException {
            Map<String, byte[]> xattrs = new TreeMap<>();
            byte[] capability = capabilities.get(file);
            if (capability != null) {
                xattrs.put(SecurityXattrs.CAPABILITY, capability);
            }
            UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            for (String name : view.list()) {
                if (name.startsWith("overlay.")) {
                    continue;
                }
                ByteBuffer value = ByteBuffer.allocate(view.size(name));
                view.read(name, value);
                xattrs.put("user." + name, Arrays.copyOf(value.array(), value.position()));
            }
            return xattrs;
        }

        private static boolean isOpaque(Path directory) throws IOException {
            UserDefinedFileAttributeView view = Files.getFileAttributeView(directory, UserDefinedFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!view.list().contains(TarExtraction.OVERLAY_OPAQUE)) {
                return false;
            }
            ByteBuffer value = ByteBuffer.allocate(view.size(TarExtraction.OVERLAY_OPAQUE));
            view.read(TarExtraction.OVERLAY_OPAQUE, value);
            return value.position() == 1 && value.get(0) == 'y';
        }

        private static Map<Path, byte[]> await(Future<Map<Path, byte[]>> future) throws IOException {
            try {
                return future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading file capabilities", e);
            } catch (ExecutionException e) {
                throw new IOException("reading file capabilities: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }
}
