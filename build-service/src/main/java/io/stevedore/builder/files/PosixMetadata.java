package io.stevedore.builder.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * Owner, mode (including setuid, setgid and sticky, which PosixFilePermission cannot express) and
 * mtime through the JDK's "unix" attribute view, so no chown/chmod processes are spawned.
 */
public final class PosixMetadata {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final int FILE_TYPE_MASK = 0170000;
    public static final int TYPE_DIRECTORY = 0040000;
    public static final int TYPE_REGULAR = 0100000;
    public static final int TYPE_SYMLINK = 0120000;
    public static final int TYPE_CHAR_DEVICE = 0020000;

    private PosixMetadata() {}

    /** lchown: never follows a symlink. */
    public static void setOwner(Path path, int uid, int gid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, NOFOLLOW);
        Files.setAttribute(path, "unix:gid", gid, NOFOLLOW);
    }

    /** chmod with all 12 permission bits; call after setOwner, because chown clears setuid/setgid. */
    public static void setMode(Path path, int mode) throws IOException {
        Files.setAttribute(path, "unix:mode", mode & 07777);
    }

    /** Sets mtime (and atime to the same value, which saves the JDK a stat); never follows a symlink. */
    public static void setModifiedTime(Path path, FileTime time) throws IOException {
        Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW).setTimes(time, time, null);
    }

    /** One lstat: type and permission bits, uid, gid, inode, link count, rdev, size, mtime. */
    public static Map<String, Object> stat(Path path) throws IOException {
        return Files.readAttributes(path, "unix:mode,uid,gid,ino,dev,nlink,rdev,size,lastModifiedTime", NOFOLLOW);
    }

    public static int fileType(int mode) {
        return mode & FILE_TYPE_MASK;
    }
}
