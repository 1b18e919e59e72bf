package io.stevedore.registry.postgres;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The unprivileged account PostgreSQL runs as when this JVM is root: PostgreSQL refuses to run
 * as root.
 */
record RunAsAccount(String name, int uid, int gid) {

    /** The account named {@code name} when this JVM runs as root; empty otherwise (nothing to switch). */
    static Optional<RunAsAccount> whenRoot(String name) throws IOException {
        return runningAsRoot() ? Optional.of(lookUp(name)) : Optional.empty();
    }

    /** Hands {@code path} (not what it may link to) to this account and its group. */
    void chown(Path path) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", gid, NOFOLLOW_LINKS);
    }

    /** Effective uid 0? From /proc, as Java has no API for it. */
    private static boolean runningAsRoot() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[2].equals("0"); // real, effective, saved, fs
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    private static RunAsAccount lookUp(String name) throws IOException {
        int uid = id("-u", name);
        if (uid == 0) {
            throw new IllegalStateException("registry.embedded-postgres.run-as must not be root: PostgreSQL refuses it");
        }
        return new RunAsAccount(name, uid, id("-g", name));
    }

    /** {@code id -u name} / {@code id -g name}: honours NSS (LDAP, ...), which /etc/passwd would not. */
    private static int id(String flag, String name) throws IOException {
        Process process = new ProcessBuilder("id", flag, name).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (process.waitFor() != 0) {
                throw new IllegalStateException("registry.embedded-postgres.run-as: cannot look up user '" + name
                        + "': " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while looking up user " + name);
        }
        return Integer.parseInt(output);
    }
}
