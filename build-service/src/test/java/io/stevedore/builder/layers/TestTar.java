package io.stevedore.builder.layers;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;

/** Builds tar archives entry by entry with commons-compress, hostile ones included. */
public final class TestTar {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    public TestTar() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    public TestTar dir(String name) {
        return dir(name, 0755, 0, 0);
    }

    public TestTar dir(String name, int mode, int uid, int gid) {
        TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
        entry.setMode(mode);
        entry.setUserId(uid);
        entry.setGroupId(gid);
        entry.setModTime(java.nio.file.attribute.FileTime.from(Instant.ofEpochSecond(1_600_000_000L)));
        return put(entry, null);
    }

    public TestTar file(String name, String content) {
        return file(name, content, 0644, 0, 0, 1_600_000_000L);
    }

    public TestTar file(String name, String content, int mode, int uid, int gid, long mtime) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        entry.setMode(mode);
        entry.setUserId(uid);
        entry.setGroupId(gid);
        entry.setModTime(java.nio.file.attribute.FileTime.from(Instant.ofEpochSecond(mtime)));
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        entry.setSize(data.length);
        return put(entry, data);
    }

    /** A regular file with one extended attribute as a PAX {@code SCHILY.xattr.NAME} record (value ASCII). */
    public TestTar fileWithXattr(String name, String content, int mode, String xattr, String value) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        entry.setMode(mode);
        entry.setModTime(java.nio.file.attribute.FileTime.from(Instant.ofEpochSecond(1_600_000_000L)));
        entry.addPaxHeader("SCHILY.xattr." + xattr, value);
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        entry.setSize(data.length);
        return put(entry, data);
    }

    public TestTar symlink(String name, String target) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        entry.setLinkName(target);
        entry.setModTime(java.nio.file.attribute.FileTime.from(Instant.ofEpochSecond(1_600_000_000L)));
        return put(entry, null);
    }

    public TestTar hardLink(String name, String target) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        entry.setLinkName(target);
        return put(entry, null);
    }

    public TestTar charDevice(String name, int major, int minor) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
        entry.setDevMajor(major);
        entry.setDevMinor(minor);
        return put(entry, null);
    }

    private TestTar put(TarArchiveEntry entry, byte[] data) {
        try {
            tar.putArchiveEntry(entry);
            if (data != null) {
                tar.write(data);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] bytes() {
        try {
            tar.finish();
            tar.close();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
                gzip.write(data);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
