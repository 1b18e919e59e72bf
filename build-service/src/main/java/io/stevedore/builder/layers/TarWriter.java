package io.stevedore.builder.layers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes POSIX (ustar + PAX) tar headers with normalised metadata: numeric ids only, no user or
 * group names, no atime/ctime, whole-second mtimes. A PAX record is added only when ustar cannot
 * hold a value (long or non-ASCII names, big sizes or ids) or for extended attributes, so the same
 * tree always gives the same bytes.
 */
public final class TarWriter {
    private static final int BLOCK = 512;
    private static final long MAX_OCTAL_11 = 077777777777L;
    private static final long MAX_OCTAL_7 = 07777777L;
    private static final byte[] ZEROS = new byte[BLOCK * 2];

    private final OutputStream out;
    private final byte[] header = new byte[BLOCK];

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    public void writeHeader(String name, char type, long size, int mode, int uid, int gid, long mtimeSeconds,
                     String linkName, Map<String, byte[]> xattrs) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = linkName == null ? new byte[0] : linkName.getBytes(StandardCharsets.UTF_8);
        long mtime = Math.max(0, Math.min(mtimeSeconds, MAX_OCTAL_11));
        boolean paxName = nameBytes.length > 100 || !isAscii(nameBytes);
        boolean paxLink = linkBytes.length > 100 || !isAscii(linkBytes);
        boolean paxSize = size > MAX_OCTAL_11;
        boolean paxUid = uid < 0 || uid > MAX_OCTAL_7;
        boolean paxGid = gid < 0 || gid > MAX_OCTAL_7;
        if (paxName || paxLink || paxSize || paxUid || paxGid || !xattrs.isEmpty()) {
            ByteArrayOutputStream records = new ByteArrayOutputStream();
            // Keys in a fixed order; xattrs arrive sorted from the caller.
            if (paxGid) {
                record(records, "gid", Long.toString(Integer.toUnsignedLong(gid)).getBytes(StandardCharsets.US_ASCII));
            }
            if (paxLink) {
                record(records, "linkpath", linkBytes);
            }
            if (paxName) {
                record(records, "path", nameBytes);
            }
            if (paxSize) {
                record(records, "size", Long.toString(size).getBytes(StandardCharsets.US_ASCII));
            }
            if (paxUid) {
                record(records, "uid", Long.toString(Integer.toUnsignedLong(uid)).getBytes(StandardCharsets.US_ASCII));
            }
            for (Map.Entry<String, byte[]> xattr : xattrs.entrySet()) {
                record(records, "SCHILY.xattr." + xattr.getKey(), xattr.getValue());
            }
            byte[] pax = records.toByteArray();
            fillHeader(asciiPrefix("PaxHeaders.0/" + lastComponent(name)), 'x', pax.length, 0644, 0, 0, 0, new byte[0]);
            out.write(header);
            out.write(pax);
            pad(pax.length);
        }
        fillHeader(paxName ? asciiPrefix(name) : nameBytes, type, paxSize ? 0 : size, mode,
                paxUid ? 0 : uid, paxGid ? 0 : gid, mtime, paxLink ? asciiPrefix(linkName) : linkBytes);
        out.write(header);
    }

    /** Where an entry's data goes after its header; {@link #pad} follows it. */
    public OutputStream entryOutput() {
        return out;
    }

    /** Pads entry data of {@code size} bytes to the block boundary. */
    public void pad(long size) throws IOException {
        int padding = (int) ((BLOCK - size % BLOCK) % BLOCK);
        if (padding > 0) {
            out.write(ZEROS, 0, padding);
        }
    }

    /** The end-of-archive marker: two zero blocks. */
    public void finish() throws IOException {
        out.write(ZEROS);
    }

    private void fillHeader(byte[] name, char type, long size, int mode, int uid, int gid, long mtime, byte[] link) {
        Arrays.fill(header, (byte) 0);
        System.arraycopy(name, 0, header, 0, Math.min(100, name.length));
        octal(100, 8, mode & 07777);
        octal(108, 8, uid);
        octal(116, 8, gid);
        octal(124, 12, size);
        octal(136, 12, mtime);
        header[156] = (byte) type;
        System.arraycopy(link, 0, header, 157, Math.min(100, link.length));
        header[257] = 'u';
        header[258] = 's';
        header[259] = 't';
        header[260] = 'a';
        header[261] = 'r';
        header[262] = 0;
        header[263] = '0';
        header[264] = '0';
        octal(329, 8, 0);
        octal(337, 8, 0);
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        octal(148, 7, sum); // six digits, NUL, and the space already there
    }

    private void octal(int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        int width = length - 1;
        int start = offset + width - digits.length();
        for (int i = offset; i < start; i++) {
            header[i] = '0';
        }
        for (int i = 0; i < digits.length(); i++) {
            header[start + i] = (byte) digits.charAt(i);
        }
        header[offset + width] = 0;
    }

    private static void record(ByteArrayOutputStream records, String key, byte[] value) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        int base = keyBytes.length + value.length + 3; // ' ', '=', '\n'
        int length = base + Integer.toString(base).length();
        if (Integer.toString(length).length() > Integer.toString(base).length()) {
            length++;
        }
        records.writeBytes((length + " ").getBytes(StandardCharsets.US_ASCII));
        records.writeBytes(keyBytes);
        records.write('=');
        records.writeBytes(value);
        records.write('\n');
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0x20 || b == 0x7f) {   // negative bytes are non-ASCII too
                return false;
            }
        }
        return true;
    }

    private static byte[] asciiPrefix(String text) {
        StringBuilder ascii = new StringBuilder();
        for (int i = 0; i < text.length() && ascii.length() < 100; i++) {
            char c = text.charAt(i);
            ascii.append(c >= 0x20 && c < 0x7f ? c : '_');
        }
        return ascii.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String lastComponent(String name) {
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }
}
