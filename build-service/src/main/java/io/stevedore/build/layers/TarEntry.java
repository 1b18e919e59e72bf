package io.stevedore.build.layers;

import java.util.Map;

/**
 * One tar header after PAX and GNU long-name records have been folded in. {@code mode} holds only
 * the permission and special bits (07777); the file type is {@link #type}. Extended attributes keep
 * their raw bytes (security.capability is binary).
 */
record TarEntry(String name, char type, long size, int mode, int uid, int gid, long mtimeSeconds,
                String linkName, int devMajor, int devMinor, Map<String, byte[]> xattrs) {

    static final char REGULAR = '0';
    static final char HARD_LINK = '1';
    static final char SYMLINK = '2';
    static final char CHAR_DEVICE = '3';
    static final char BLOCK_DEVICE = '4';
    static final char DIRECTORY = '5';
    static final char FIFO = '6';
}
