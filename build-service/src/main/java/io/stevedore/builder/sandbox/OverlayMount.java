package io.stevedore.builder.sandbox;

import io.stevedore.builder.files.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * An overlayfs mount of extracted image layers: {@code merged} is what a step sees, {@code upper}
 * collects what it changes (null for a read-only mount). Always mounted with {@code userxattr}, so
 * opaque directories are {@code user.overlay.opaque=y} and deletions are 0/0 character devices.
 *
 * <p>The kernel takes the mount options in one page, which ~120 long layer paths overflow; the
 * layers are therefore named by one-character-ish symlinks in a fresh temporary directory that
 * {@code mount} runs in. The kernel resolves them at mount time, so they are removed right after.
 */
public record OverlayMount(Path merged, Path upper, Path work) implements AutoCloseable {

    /** Stands in for "no layers": overlayfs wants at least one lower (two without an upper). */
    private static final Path EMPTY_LOWER = Path.of(System.getProperty("java.io.tmpdir"), "stevedore-empty-lower");

    /** A writable overlay: lowers top first (an empty list is a scratch image). */
    public static OverlayMount mount(List<Path> lowersTopFirst, Path upper, Path work, Path merged) {
        createDirectories(upper, work, merged);
        List<Path> lowers = new ArrayList<>(lowersTopFirst);
        if (lowers.isEmpty()) {
            lowers.add(emptyLower());
        }
        mountOverlay(lowers, upper, work, merged);
        return new OverlayMount(merged, upper, work);
    }

    /** A read-only view of layers, e.g. another stage's filesystem for COPY --from. */
    public static OverlayMount mountReadOnly(List<Path> lowersTopFirst, Path merged) {
        createDirectories(merged);
        List<Path> lowers = new ArrayList<>(lowersTopFirst);
        while (lowers.size() < 2) {
            lowers.add(emptyLower());
        }
        mountOverlay(lowers, null, null, merged);
        return new OverlayMount(merged, null, null);
    }

    public boolean readOnly() {
        return upper == null;
    }

    /** Unmounts; lazily when something still uses the mount. Never throws. */
    @Override
    public void close() {
        try {
            if (HostCommand.of("umount", merged.toString()).run().exitCode() != 0) {
                HostCommand.of("umount", "-l", merged.toString()).run();
            }
        } catch (RuntimeException ignored) {
            // close() must not mask the exception that led here; a leftover mount is visible in /proc/mounts
        }
    }

    private static void mountOverlay(List<Path> lowers, Path upper, Path work, Path merged) {
        Path names = null;
        try {
            names = Files.createTempDirectory("ovl");
            StringJoiner lowerdir = new StringJoiner(":", "lowerdir=", "");
            for (int i = 0; i < lowers.size(); i++) {
                Path lower = lowers.get(i).toAbsolutePath();
                if (!Files.isDirectory(lower)) {
                    throw new SandboxException("overlay lower dir " + lower + " is not a directory");
                }
                Files.createSymbolicLink(names.resolve(Integer.toString(i)), lower);
                lowerdir.add(Integer.toString(i));
            }
            String options = lowerdir.toString();
            if (upper != null) {
                Files.createSymbolicLink(names.resolve("u"), upper.toAbsolutePath());
                Files.createSymbolicLink(names.resolve("w"), work.toAbsolutePath());
                options += ",upperdir=u,workdir=w";
            }
            options += ",userxattr";
            HostCommand.of("mount", "-t", "overlay", "overlay", "-o", options, merged.toAbsolutePath().toString())
                    .in(names)
                    .runOrThrow("cannot mount overlay of " + lowers.size() + " layers at " + merged);
        } catch (IOException e) {
            throw new SandboxException("cannot prepare overlay mount at " + merged + ": " + e, e);
        } finally {
            FileTrees.deleteQuietly(names); // a few dangling symlinks left in the temp dir hurt nobody
        }
    }

    private static Path emptyLower() {
        try {
            Files.createDirectories(EMPTY_LOWER);
            Files.setPosixFilePermissions(EMPTY_LOWER, PosixFilePermissions.fromString("rwxr-xr-x"));
            return EMPTY_LOWER;
        } catch (IOException e) {
            throw new SandboxException("cannot create the empty lower dir " + EMPTY_LOWER + ": " + e, e);
        }
    }

    private static void createDirectories(Path... directories) {
        for (Path directory : directories) {
            try {
                Files.createDirectories(directory);
            } catch (IOException e) {
                throw new SandboxException("cannot create overlay directory " + directory + ": " + e, e);
            }
        }
    }
}
