package io.stevedore.builder.layers;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A streaming tar reader for ustar, PAX and GNU archives. Written here rather than taken from
 * commons-compress because that one decodes PAX values as UTF-8 text, which corrupts binary
 * {@code SCHILY.xattr.security.capability} values. Entry data is read through {@link #read}; the
 * rest of an entry is skipped by the next {@link #next()}.
 */
final class TarReader {
    private static final int BLOCK = 512;

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private final byte[] scratch = new byte[64 * 1024];
    private long remaining;   // unread data bytes of the current entry
    private long padding;     // bytes after the data up to the next block boundary

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the end-of-archive marker (or a clean end of stream). */
    TarEntry next() throws IOException {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        Map<String, byte[]> pax = new LinkedHashMap<>();
        String longName = null;
        String longLink = null;
        while (true) {
            if (!readHeader()) {
                return null;
            }
            char type = (char) (header[156] & 0xff);
            long size = number(124, 12);
            switch (type) {
                case 'x' -> {
                    parsePax(readData(size), pax);
                    continue;
                }
                case 'g' -> {
                    readData(size); // global headers carry nothing a layer needs (git's commit id, say)
                    continue;
                }
                case 'L' -> {
                    longName = cString(readData(size));
                    continue;
                }
                case 'K' -> {
                    longLink = cString(readData(size));
                    continue;
                }
                default -> { }
            }
            return entry(type, size, pax, longName, longLink);
        }
    }

    /** Reads entry data; -1 at the end of the current entry. */
    int read(byte[] buffer, int offset, int length) throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) {
            throw new EOFException("tar stream ends inside an entry");
        }
        remaining -= n;
        return n;
    }

    private TarEntry entry(char type, long size, Map<String, byte[]> pax, String longName, String longLink)
            throws IOException {
        String name = longName != null ? longName : headerName();
        String link = longLink != null ? longLink : string(157, 100);
        long mtime = number(136, 12);
        int uid = (int) number(108, 8);
        int gid = (int) number(116, 8);
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> record : pax.entrySet()) {
            String key = record.getKey();
            String value = new String(record.getValue(), StandardCharsets.UTF_8);
            switch (key) {
                case "path" -> name = value;
                case "linkpath" -> link = value;
                case "size" -> size = Long.parseLong(value.trim());
                case "uid" -> uid = (int) Long.parseLong(value.trim());
                case "gid" -> gid = (int) Long.parseLong(value.trim());
                case "mtime" -> mtime = paxSeconds(value.trim());
                default -> {
                    if (key.startsWith("SCHILY.xattr.")) {
                        xattrs.put(key.substring("SCHILY.xattr.".length()), record.getValue());
                    } else if (key.startsWith("LIBARCHIVE.xattr.")) {
                        // libarchive writes URL-encoded names and base64 values; rare in layers.
                        continue;
                    }
                }
            }
        }
        if (type == '\0' || type == '7') {
            type = TarEntry.REGULAR;
        }
        if (type == TarEntry.REGULAR && name.endsWith("/")) {
            type = TarEntry.DIRECTORY; // old tars mark directories by the trailing slash only
        }
        if (type == 'S') {
            throw new IOException("GNU sparse tar entries are not supported: " + name);
        }
        // Like Go's archive/tar: these types never carry data, whatever their size field says.
        boolean hasData = switch (type) {
            case TarEntry.HARD_LINK, TarEntry.SYMLINK, TarEntry.CHAR_DEVICE, TarEntry.BLOCK_DEVICE,
                 TarEntry.DIRECTORY, TarEntry.FIFO -> false;
            default -> true;
        };
        if (hasData && size < 0) {
            throw new IOException("negative size in tar entry " + name);
        }
        remaining = hasData ? size : 0;
        padding = hasData ? (BLOCK - size % BLOCK) % BLOCK : 0;
        int mode = (int) (number(100, 8) & 07777);
        return new TarEntry(name, type, hasData ? size : 0, mode, uid, gid, mtime, link,
                (int) number(329, 8), (int) number(337, 8), xattrs);
    }

    private String headerName() {
        String name = string(0, 100);
        // POSIX ustar splits long names into prefix + name; the GNU format uses these bytes for
        // atime/ctime, so only the POSIX magic "ustar\0" enables the prefix.
        if (header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0) {
            String prefix = string(345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    private boolean readHeader() throws IOException {
        int n = in.readNBytes(header, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException("tar stream ends inside a header");
        }
        boolean allZero = true;
        for (byte b : header) {
            if (b != 0) {
                allZero = false;
                break;
            }
        }
        if (allZero) {
            return false; // end-of-archive marker; the caller drains what follows
        }
        verifyChecksum();
        return true;
    }

    private void verifyChecksum() throws IOException {
        long stored = number(148, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += (i >= 148 && i < 156) ? ' ' : header[i];
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("not a tar archive (header checksum mismatch)");
        }
    }

    private byte[] readData(long size) throws IOException {
        if (size < 0 || size > 16 * 1024 * 1024) {
            throw new IOException("tar extended header of " + size + " bytes refused");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException("tar stream ends inside an extended header");
        }
        skip((BLOCK - size % BLOCK) % BLOCK);
        return data;
    }

    /** Reads and discards: skip() would bypass a digesting stream underneath. */
    private void skip(long count) throws IOException {
        long left = count;
        while (left > 0) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (n < 0) {
                throw new EOFException("tar stream ends inside an entry");
            }
            left -= n;
        }
    }

    private static void parsePax(byte[] data, Map<String, byte[]> into) throws IOException {
        int pos = 0;
        while (pos < data.length) {
            int space = pos;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            if (space >= data.length) {
                throw new IOException("malformed PAX record");
            }
            int length;
            try {
                length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("malformed PAX record length");
            }
            int end = pos + length;
            if (length <= 0 || end > data.length || data[end - 1] != '\n') {
                throw new IOException("malformed PAX record");
            }
            int equals = space + 1;
            while (equals < end && data[equals] != '=') {
                equals++;
            }
            if (equals >= end) {
                throw new IOException("malformed PAX record");
            }
            String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, equals + 1, end - 1);
            into.put(key, value);
            pos = end;
        }
    }

    private static long paxSeconds(String value) {
        int dot = value.indexOf('.');
        return Long.parseLong(dot < 0 ? value : value.substring(0, dot));
    }

    private String string(int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static String cString(byte[] data) {
        int end = 0;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return new String(data, 0, end, StandardCharsets.UTF_8);
    }

    /** Octal, or GNU base-256 when the high bit of the first byte is set. */
    private long number(int offset, int length) throws IOException {
        if ((header[offset] & 0x80) != 0) {
            long value = header[offset] & 0x3f;
            boolean negative = (header[offset] & 0x40) != 0;
            for (int i = offset + 1; i < offset + length; i++) {
                value = (value << 8) | (header[i] & 0xff);
            }
            return negative ? -value : value;
        }
        long value = 0;
        int i = offset;
        int end = offset + length;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        for (; i < end; i++) {
            byte b = header[i];
            if (b == 0 || b == ' ') {
                break;
            }
            if (b < '0' || b > '7') {
                throw new IOException("not a tar archive (bad octal field)");
            }
            value = (value << 3) + (b - '0');
        }
        return value;
    }
}
