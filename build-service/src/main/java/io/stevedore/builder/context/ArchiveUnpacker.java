package io.stevedore.builder.context;

import io.stevedore.builder.files.RootPaths;
import io.stevedore.builder.layers.Decompression;
import io.stevedore.builder.layers.TarExtraction;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ADD of a local tar archive (plain, gzip, bzip2, xz or zstd, recognised by content, never by
 * name): unpacked into the destination directory with the same safety rules as image layers.
 * Symlinks met on the way are resolved as if the destination were the root (Docker unpacks ADDed
 * archives chrooted there), so nothing lands outside it.
 */
public final class ArchiveUnpacker {
    private static final int BUFFER = 1 << 16;

    private ArchiveUnpacker() {}

    /** False, having written nothing, when {@code file} is not a tar archive (ADD then copies it). */
    public static boolean unpackIfArchive(Path file, Path targetRoot, String destinationInImage, Ownership chown) {
        try {
            if (!isTarArchive(file)) {
                return false;
            }
            Path destination = RootPaths.resolve(targetRoot, destinationInImage);
            if (Files.exists(destination) && !Files.isDirectory(destination)) {
                throw new BuildContextException("ADD destination " + destinationInImage + " exists and is not a directory");
            }
            try (InputStream tar = openDecompressed(file)) {
                int uid = chown == null ? TarExtraction.KEEP_OWNER : chown.uid();
                int gid = chown == null ? TarExtraction.KEEP_OWNER : chown.gid();
                TarExtraction.extract(tar, destination, TarExtraction.Mode.ADDED_ARCHIVE, uid, gid);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("ADD " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static InputStream openDecompressed(Path file) throws IOException {
        return new BufferedInputStream(Decompression.open(new BufferedInputStream(Files.newInputStream(file), BUFFER)), BUFFER);
    }

    /** Decompresses the first block and checks for a tar header with a valid checksum. */
    static boolean isTarArchive(Path file) throws IOException {
        try (InputStream in = openDecompressed(file)) {
            byte[] header = in.readNBytes(512);
            if (header.length < 512) {
                return false;
            }
            long stored = 0;
            int i = 148;
            while (i < 156 && (header[i] == ' ' || header[i] == 0)) {
                i++;
            }
            for (; i < 156 && header[i] >= '0' && header[i] <= '7'; i++) {
                stored = stored * 8 + (header[i] - '0');
            }
            long sum = 0;
            for (int k = 0; k < 512; k++) {
                sum += (k >= 148 && k < 156) ? ' ' : (header[k] & 0xff);
            }
            return sum == stored && sum != 8 * ' ';
        } catch (IOException e) {
            return false; // a truncated or corrupt compressed file is not an archive: copied as is
        }
    }
}
