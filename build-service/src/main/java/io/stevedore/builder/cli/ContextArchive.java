package io.stevedore.builder.cli;

import io.stevedore.builder.context.BuildContext;
import io.stevedore.builder.context.SourceFilter;
import io.stevedore.builder.files.PosixMetadata;
import io.stevedore.builder.layers.TarEntry;
import io.stevedore.builder.layers.TarWriter;
import io.stevedore.oci.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A build context as the gzip tar a remote build uploads: what COPY could see (.dockerignore
 * applied, as {@link BuildContext} reads it), sorted by name so the same tree gives the
 * same bytes, with modes and mtimes, symlinks as symlinks, owners 0:0. The Dockerfile is always
 * in it, like `docker build` sends it: ignored or not, and under a generated name when `-f` named
 * one outside the context.
 */
final class ContextArchive {
    private static final int COPY_BUFFER = 1 << 16;

    private final Path root;
    private final Path dockerfile;
    private final String dockerfileName;

    ContextArchive(Path root, Path dockerfile) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.dockerfile = dockerfile.toAbsolutePath().normalize();
        this.dockerfileName = this.dockerfile.startsWith(this.root)
                ? this.root.relativize(this.dockerfile).toString()
                : "Dockerfile.stevedore-" + Digest.sha256(Files.readAllBytes(this.dockerfile)).hex().substring(0, 12);
    }

    /** The Dockerfile's path inside the archive, for the submit request's `dockerfile`. */
    String dockerfileName() {
        return dockerfileName;
    }

    /** Writes the whole archive, gzip-compressed, and finishes the gzip stream (the caller closes {@code out}). */
    void writeTo(OutputStream out) throws IOException {
        GZIPOutputStream gzip = new GZIPOutputStream(out, COPY_BUFFER);
        TarWriter tar = new TarWriter(gzip);
        SourceFilter filter = BuildContext.open(root).filter();
        boolean dockerfileWritten = walk(root, filter, tar);
        if (!dockerfileWritten) {
            writeFile(tar, dockerfileName, dockerfile);
        }
        tar.finish();
        gzip.finish();
    }

    /** Writes the entries below {@code directory}; true when the Dockerfile was among them. */
    private boolean walk(Path directory, SourceFilter filter, TarWriter tar) throws IOException {
        boolean dockerfileWritten = false;
        for (Path child : sortedChildren(directory)) {
            String name = root.relativize(child).toString();
            boolean included = filter.included(child);
            Map<String, Object> stat = Files.readAttributes(child, "unix:mode,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) stat.get("mode");
            long mtime = ((java.nio.file.attribute.FileTime) stat.get("lastModifiedTime")).toMillis() / 1000;
            int type = PosixMetadata.fileType(mode);
            if (type == PosixMetadata.TYPE_DIRECTORY) {
                if (included) {
                    tar.writeHeader(name + "/", TarEntry.DIRECTORY, 0, mode & 07777, 0, 0, mtime, null, Map.of());
                }
                if (included || filter.mayIncludeBelow(child)) {
                    dockerfileWritten |= walk(child, filter, tar);
                }
            } else if (!included) {
                continue;
            } else if (type == PosixMetadata.TYPE_SYMLINK) {
                tar.writeHeader(name, TarEntry.SYMLINK, 0, mode & 07777, 0, 0, mtime,
                        Files.readSymbolicLink(child).toString(), Map.of());
            } else if (type == PosixMetadata.TYPE_REGULAR) {
                writeFile(tar, name, child);
                dockerfileWritten |= child.equals(dockerfile);
            }
            // sockets, fifos and devices cannot be COPYed; they are left out as docker leaves them
        }
        return dockerfileWritten;
    }

    /** Exactly the size stat saw, so a file growing while it is read cannot break the tar framing. */
    private static void writeFile(TarWriter tar, String name, Path file) throws IOException {
        Map<String, Object> stat = Files.readAttributes(file, "unix:mode,size,lastModifiedTime");
        long size = (Long) stat.get("size");
        long mtime = ((java.nio.file.attribute.FileTime) stat.get("lastModifiedTime")).toMillis() / 1000;
        tar.writeHeader(name, TarEntry.REGULAR, size, (Integer) stat.get("mode") & 07777, 0, 0, mtime, null, Map.of());
        OutputStream out = tar.entryOutput();
        byte[] buffer = new byte[COPY_BUFFER];
        long left = size;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                out.write(buffer, 0, n);
                left -= n;
            }
        }
        for (; left > 0; left -= Math.min(left, buffer.length)) {
            out.write(new byte[COPY_BUFFER], 0, (int) Math.min(left, COPY_BUFFER));   // the file shrank meanwhile
        }
        tar.pad(size);
    }

    private static List<Path> sortedChildren(Path directory) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(children::add);
        }
        children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return children;
    }
}
