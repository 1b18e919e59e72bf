package io.stevedore.registry.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;

/**
 * Writes a tar straight onto the response: a 512-byte header per entry (commons-compress encodes
 * it; sizes of 8 GiB and more in the star/GNU binary form), then the entry's bytes copied in 1 MiB
 * writes (commons-compress's TarArchiveOutputStream copies all data once more, re-blocking it into
 * 10 KiB records and writes). The names here are all short, so no PAX header is needed.
 */
final class TarStream {
    private static final int BLOCK = 512;
    private static final int COPY_BUFFER = 1024 * 1024;

    private final OutputStream out;
    private final byte[] header = new byte[BLOCK];
    private byte[] buffer;

    TarStream(OutputStream out) {
        this.out = out;
    }

    void directory(String name) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_DIR);
        entry.setMode(040755);
        writeHeader(entry);
    }

    void file(String name, byte[] content) throws IOException {
        writeHeader(fileEntry(name, content.length));
        out.write(content);
        pad(content.length);
    }

    /** An entry of exactly {@code size} bytes from {@code in}; fewer is an error (the tar would be corrupt). */
    void file(String name, long size, InputStream in) throws IOException {
        writeHeader(fileEntry(name, size));
        if (buffer == null) {
            buffer = new byte[COPY_BUFFER];
        }
        long left = size;
        int n;
        while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
            out.write(buffer, 0, n);
            left -= n;
        }
        if (left > 0) {
            throw new IOException(name + " ended " + left + " bytes short of its " + size + " bytes");
        }
        pad(size);
    }

    /** The end-of-archive marker: two zero blocks. */
    void finish() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    private static TarArchiveEntry fileEntry(String name, long size) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(0100644);
        return entry;
    }

    private void writeHeader(TarArchiveEntry entry) throws IOException {
        if (entry.getName().getBytes(StandardCharsets.UTF_8).length >= TarConstants.NAMELEN) {
            throw new IllegalArgumentException("tar entry name too long: " + entry.getName());
        }
        entry.setModTime(0);
        Arrays.fill(header, (byte) 0);
        entry.writeEntryHeader(header, ZipEncodingHelper.getZipEncoding(StandardCharsets.UTF_8), true);
        out.write(header);
    }

    private void pad(long size) throws IOException {
        int padding = (int) ((BLOCK - size % BLOCK) % BLOCK);
        if (padding > 0) {
            out.write(new byte[padding]);
        }
    }
}
