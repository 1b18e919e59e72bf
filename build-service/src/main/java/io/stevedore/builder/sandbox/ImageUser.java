package io.stevedore.builder.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The numeric identity a step runs as, resolved from a Dockerfile USER value against the image's
 * own /etc/passwd and /etc/group, with the semantics of runc's GetExecUser (which Docker and
 * BuildKit use): a numeric uid need not exist, a name must; supplementary groups come from
 * /etc/group only when no group was given explicitly.
 */
record ImageUser(int uid, int gid, List<Integer> additionalGids, String home) {

    ImageUser {
        additionalGids = List.copyOf(additionalGids);
    }

    /** {@code env} with HOME set to this user's home when it lacks one, as runc and Docker do. */
    List<String> withHome(List<String> env) {
        if (env.stream().anyMatch(entry -> entry.startsWith("HOME="))) {
            return env;
        }
        List<String> withHome = new ArrayList<>(env);
        withHome.add("HOME=" + home);
        return withHome;
    }

    static ImageUser resolve(Path rootfs, String user) {
        int colon = user.indexOf(':');
        String userPart = colon < 0 ? user : user.substring(0, colon);
        String groupPart = colon < 0 ? "" : user.substring(colon + 1);
        List<String[]> passwd = read(rootfs, "/etc/passwd", 7);
        Optional<String[]> entry;
        int uid;
        int gid = 0;
        String name = null;
        String home = "/";
        if (userPart.isEmpty()) {
            uid = 0;
            entry = passwd.stream().filter(e -> e[2].equals("0")).findFirst();
        } else if (isNumber(userPart)) {
            uid = Integer.parseInt(userPart);
            entry = passwd.stream().filter(e -> e[2].equals(userPart)).findFirst();
        } else {
            entry = passwd.stream().filter(e -> e[0].equals(userPart)).findFirst();
            if (entry.isEmpty()) {
                throw new SandboxException("unable to find user " + userPart + ": no matching entries in the image's /etc/passwd");
            }
            uid = number(entry.get()[2], "uid of user " + userPart);
        }
        if (entry.isPresent()) {
            name = entry.get()[0];
            gid = number(entry.get()[3], "gid of user " + name);
            home = entry.get()[5].isEmpty() ? "/" : entry.get()[5];
        }
        if (!groupPart.isEmpty()) {
            return new ImageUser(uid, explicitGroup(rootfs, groupPart), List.of(), home);
        }
        List<Integer> additional = new ArrayList<>();
        if (name != null) {
            for (String[] group : read(rootfs, "/etc/group", 4)) {
                if (List.of(group[3].split(",")).contains(name)) {
                    additional.add(number(group[2], "gid of group " + group[0]));
                }
            }
        }
        return new ImageUser(uid, gid, additional, home);
    }

    private static int explicitGroup(Path rootfs, String group) {
        if (isNumber(group)) {
            return Integer.parseInt(group);
        }
        return read(rootfs, "/etc/group", 4).stream()
                .filter(e -> e[0].equals(group))
                .findFirst()
                .map(e -> number(e[2], "gid of group " + group))
                .orElseThrow(() -> new SandboxException(
                        "unable to find group " + group + ": no matching entries in the image's /etc/group"));
    }

    /** The colon-separated entries of an image file, at least {@code fields} long; absent file = none. */
    private static List<String[]> read(Path rootfs, String inImagePath, int fields) {
        Path file = RootfsPath.resolve(rootfs, inImagePath);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String[]> entries = new ArrayList<>();
        try {
            for (String line : new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split(":", -1);
                if (parts.length >= fields) {
                    entries.add(parts);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + inImagePath + " of the image", e);
        }
        return entries;
    }

    private static boolean isNumber(String value) {
        return !value.isEmpty() && value.length() <= 10 && value.chars().allMatch(Character::isDigit)
                && Long.parseLong(value) <= Integer.MAX_VALUE;
    }

    private static int number(String value, String what) {
        if (!isNumber(value)) {
            throw new SandboxException("invalid " + what + " in the image: " + value);
        }
        return Integer.parseInt(value);
    }
}
