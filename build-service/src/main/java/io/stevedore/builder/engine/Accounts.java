package io.stevedore.builder.engine;

import io.stevedore.builder.context.Ownership;
import io.stevedore.builder.files.RootPaths;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Resolves `--chown=user:group` against the image's own /etc/passwd and /etc/group, as Docker does. */
final class Accounts {
    private Accounts() {}

    static Ownership resolve(String spec, Path rootfs) {
        String user = spec;
        String group = null;
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            user = spec.substring(0, colon);
            group = spec.substring(colon + 1);
        }
        int uid;
        int gid;
        if (isNumber(user)) {
            uid = Integer.parseInt(user);
            gid = uid;
            if (group == null) {
                // a numeric user with no group: its primary group if /etc/passwd knows it, else the same number
                String[] entry = find(rootfs, "/etc/passwd", 2, user);
                if (entry != null && isNumber(entry[3])) {
                    gid = Integer.parseInt(entry[3]);
                }
            }
        } else {
            String[] entry = find(rootfs, "/etc/passwd", 0, user);
            if (entry == null || !isNumber(entry[2]) || !isNumber(entry[3])) {
                throw new BuildException("unable to find user " + user + ": no matching entries in passwd file");
            }
            uid = Integer.parseInt(entry[2]);
            gid = Integer.parseInt(entry[3]);
        }
        if (group != null && !group.isEmpty()) {
            if (isNumber(group)) {
                gid = Integer.parseInt(group);
            } else {
                String[] entry = find(rootfs, "/etc/group", 0, group);
                if (entry == null || !isNumber(entry[2])) {
                    throw new BuildException("unable to find group " + group + ": no matching entries in group file");
                }
                gid = Integer.parseInt(entry[2]);
            }
        }
        return new Ownership(uid, gid);
    }

    private static String[] find(Path rootfs, String file, int column, String value) {
        if (rootfs == null) {
            return null;
        }
        Path path = RootPaths.resolve(rootfs, file);
        if (!Files.isRegularFile(path)) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
            for (String line : lines) {
                String[] fields = line.split(":", -1);
                if (fields.length > Math.max(column, 3) && fields[column].equals(value)) {
                    return fields;
                }
            }
        } catch (IOException e) {
            throw new BuildException("cannot read " + file + " of the image: " + e.getMessage(), e);
        }
        return null;
    }

    static boolean isNumber(String s) {
        if (s == null || s.isEmpty() || s.length() > 10) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
