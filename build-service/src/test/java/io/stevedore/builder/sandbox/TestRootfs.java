package io.stevedore.builder.sandbox;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A tiny image layer made of a static busybox, and checks for what the real-system tests need. */
final class TestRootfs {

    static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

    private TestRootfs() {
    }

    /** {@code bin/busybox}, {@code bin/sh}, and /etc/passwd and /etc/group with a user 1000 ("u"). */
    static Path busyboxLayer(Path dir, Path busybox) throws IOException {
        Files.createDirectories(dir.resolve("bin"));
        Files.createDirectories(dir.resolve("etc"));
        Files.copy(busybox, dir.resolve("bin/busybox"));
        dir.resolve("bin/busybox").toFile().setExecutable(true, false);
        Files.createSymbolicLink(dir.resolve("bin/sh"), Path.of("busybox"));
        Files.writeString(dir.resolve("etc/passwd"), """
                root:x:0:0:root:/root:/bin/sh
                u:x:1000:1000:a user:/home/u:/bin/sh
                """);
        Files.writeString(dir.resolve("etc/group"), """
                root:x:0:
                u:x:1000:
                builders:x:2000:u
                """);
        return dir;
    }

    static void assumeRoot() {
        try {
            assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0,
                    "needs root: runc, overlay mounts and binfmt_misc are privileged");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assumeOverlay() throws IOException {
        assumeRoot();
        assumeTrue(Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n"),
                "the kernel has no overlay filesystem");
    }

    static void assumeRunc() throws IOException {
        assumeOverlay();
        assumeTrue(HostCommand.of("runc", "--version").run().exitCode() == 0, "runc is not installed (Debian package runc)");
        assumeTrue(Files.isExecutable(HOST_BUSYBOX), "no " + HOST_BUSYBOX + " (Debian package busybox-static)");
    }

    /** The non-directory entries below {@code dir}, as relative paths. */
    static List<String> nonDirectories(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> found.add(dir.relativize(p).toString()));
        }
        return found;
    }

    /** The directories below {@code dir}, as relative paths. */
    static List<String> directories(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.filter(p -> !p.equals(dir) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> found.add(dir.relativize(p).toString()));
        }
        return found;
    }

    /** Whether {@code path} is an overlay whiteout: a character device 0/0. */
    static boolean isWhiteout(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        long rdev = (Long) Files.getAttribute(path, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0020000 && rdev == 0;
    }

    static boolean isMounted(Path path) throws IOException {
        String target = " " + path.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8).stream()
                .anyMatch(line -> line.contains(target));
    }
}
