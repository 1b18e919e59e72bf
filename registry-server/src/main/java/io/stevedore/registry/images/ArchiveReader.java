package io.stevedore.registry.images;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A streaming reader of the tar archives image import accepts (ustar, with PAX or GNU long
 * names). Extended headers are read into memory, so each is capped at {@link #MAX_HEADER_BYTES};
 * an entry's data is read through {@link #data()} and whatever is left of it is skipped by the
 * next {@link #next()}. Checking entry names and types is the caller's business.
 */
final class ArchiveReader {
    static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int BLOCK = 512;

    /** @param type the tar type flag: '0' a file, '5' a directory, others refused by the importer */
    record Entry(String name, char type, long size) {
    }

    /** An archive the reader cannot read; the message names the entry where that is known. */
    static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private long remaining;
    private long padding;

    ArchiveReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the end of the archive. */
    Entry next() throws IOException {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        String longName = null;
        while (true) {
            if (!readHeader()) {
                return null;
            }
            char type = (char) (header[156] & 0xff);
            String name = name();
            long size = number(124, 12, name);
            if (type == 'x' || type == 'g' || type == 'L') {
                if (size > MAX_HEADER_BYTES) {
                    throw new Malformed("entry " + name + ": an extended header of " + size
                            + " bytes is larger than the " + MAX_HEADER_BYTES + " allowed");
                }
                byte[] data = in.readNBytes((int) size);
                if (data.length < size) {
                    throw new EOFException("the archive ends inside the header of " + name);
                }
                skip(pad(size));
                if (type == 'x') {
                    String path = paxPath(data, name);
                    longName = path != null ? path : longName;
                } else if (type == 'L') {
                    longName = cString(data, 0, data.length);
                }
                continue;
            }
            remaining = type == '5' ? 0 : size;
            padding = pad(remaining);
            return new Entry(longName != null ? longName : name, type == '\0' ? '0' : type, size);
        }
    }

    /** The current entry's data; reading past it returns end of stream. */
    InputStream data() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("the archive ends inside an entry");
                }
                remaining -= n;
                return n;
            }
        };
    }

    private boolean readHeader() throws IOException {
        int read = in.readNBytes(header, 0, BLOCK);
        if (read == 0) {
            return false;
        }
        if (read < BLOCK) {
            throw new EOFException("the archive ends inside a header");
        }
        for (byte b : header) {
            if (b != 0) {
                verifyChecksum();
                return true;
            }
        }
        return false; // the end-of-archive marker (what follows it is padding)
    }

    private void verifyChecksum() throws IOException {
        long stored = number(148, 8, name());
        long unsigned = 0;
        long signed = 0; // some old tars summed signed bytes
        for (int i = 0; i < BLOCK; i++) {
            unsigned += i >= 148 && i < 156 ? ' ' : header[i] & 0xff;
            signed += i >= 148 && i < 156 ? ' ' : header[i];
        }
        if (stored != unsigned && stored != signed) {
            throw new Malformed("entry " + name() + ": bad header checksum (not a tar archive?)");
        }
    }

    private String name() {
        String name = cString(header, 0, 100);
        boolean ustar = new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        String prefix = ustar ? cString(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private long number(int offset, int length, String name) throws IOException {
        if ((header[offset] & 0x80) != 0) { // base-256, for sizes of 8 GiB and more
            long value = header[offset] & 0x7f;
            for (int i = 1; i < length; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    throw new Malformed("entry " + name + ": a size too large");
                }
                value = (value << 8) | (header[offset + i] & 0xff);
            }
            return value;
        }
        long value = 0;
        for (int i = offset; i < offset + length; i++) {
            byte b = header[i];
            if (b == 0 || b == ' ') {
                if (value > 0) {
                    break;
                }
                continue;
            }
            if (b < '0' || b > '7') {
                throw new Malformed("entry " + name + ": malformed number in its header");
            }
            value = value * 8 + (b - '0');
        }
        return value;
    }

    /** The {@code path} record of a PAX header, if any. */
    private static String paxPath(byte[] data, String name) throws IOException {
        String path = null;
        int at = 0;
        while (at < data.length) {
            int space = at;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            int length;
            try {
                length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new Malformed("entry " + name + ": malformed PAX header");
            }
            if (length <= space - at || at + length > data.length) {
                throw new Malformed("entry " + name + ": malformed PAX header");
            }
            String record = new String(data, space + 1, length - (space - at) - 2, StandardCharsets.UTF_8);
            if (record.startsWith("path=")) {
                path = record.substring(5);
            }
            at += length;
        }
        return path;
    }

    private static String cString(byte[] bytes, int offset, int length) {
        int end = offset;
        while (end < offset + length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long pad(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private void skip(long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("the archive ends inside an entry");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }
}
