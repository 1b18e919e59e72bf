package io.stevedore.builder.layers;

import java.util.Map;

/**
 * One tar header after PAX and GNU long-name records have been folded in. {@code mode} holds only
 * the permission and special bits (07777); the file type is {@link #type}. Extended attributes keep
 * their raw bytes (security.capability is binary).
 */
public record TarEntry(String name, char type, long size, int mode, int uid, int gid, long mtimeSeconds,
                String linkName, int devMajor, int devMinor, Map<String, byte[]> xattrs) {

    public static final char REGULAR = '0';
    public static final char HARD_LINK = '1';
    public static final char SYMLINK = '2';
    public static final char CHAR_DEVICE = '3';
    public static final char BLOCK_DEVICE = '4';
    public static final char DIRECTORY = '5';
    public static final char FIFO = '6';
}
