package io.stevedore.build.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * In-image paths resolved against a root filesystem directory the way the container sees them:
 * symlinks are followed inside the root and {@code ..} stops at the root, so a hostile image can
 * never send the host-side code that prepares or cleans a step outside the rootfs.
 */
final class RootfsPath {

    /** As the kernel's own limit on symlink hops in one lookup. */
    private static final int MAX_SYMLINKS = 40;

    private RootfsPath() {
    }

    /**
     * The host path of {@code inImagePath}: every existing symlink along the way is resolved inside
     * {@code root}; components that do not exist are appended as given.
     */
    static Path resolve(Path root, String inImagePath) {
        Deque<String> pending = new ArrayDeque<>(components(inImagePath));
        List<String> resolved = new ArrayList<>();
        int symlinks = 0;
        while (!pending.isEmpty()) {
            String name = pending.pop();
            if (name.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.removeLast();
                }
                continue;
            }
            Path candidate = join(root, resolved).resolve(name);
            if (!Files.isSymbolicLink(candidate)) {
                resolved.add(name);
                continue;
            }
            if (++symlinks > MAX_SYMLINKS) {
                throw new SandboxException("too many levels of symbolic links resolving " + inImagePath + " in the image");
            }
            String target = readLink(candidate);
            if (target.startsWith("/")) {
                resolved.clear();
            }
            List<String> targetNames = components(target);
            for (int i = targetNames.size() - 1; i >= 0; i--) {
                pending.push(targetNames.get(i));
            }
        }
        return join(root, resolved);
    }

    /**
     * Creates {@code inImagePath} and its missing parents inside {@code root}, owned by root with
     * mode 0755 (as Docker creates a WORKDIR), and returns its host path.
     */
    static Path createDirectories(Path root, String inImagePath) {
        Path target = resolve(root, inImagePath);
        if (target.equals(root)) {
            return root;
        }
        Path current = root;
        for (Path name : root.relativize(target)) {
            current = current.resolve(name);
            if (Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                throw new SandboxException("cannot create directory " + inImagePath + " in the image: /"
                        + root.relativize(current) + " exists and is not a directory");
            }
            try {
                Files.createDirectory(current);
                // Explicit mode and owner: the JVM's umask and user must not shape the layer.
                Files.setPosixFilePermissions(current, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.setAttribute(current, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(current, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
            } catch (FileAlreadyExistsException raced) {
                if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                    throw new SandboxException("cannot create directory " + inImagePath + " in the image", raced);
                }
            } catch (IOException e) {
                throw new SandboxException("cannot create directory " + inImagePath + " in the image: " + e, e);
            }
        }
        return target;
    }

    /** Whether {@code inImagePath} names an absolute, normalised path (no {@code .} or {@code ..}). */
    static boolean isAbsoluteAndClean(String inImagePath) {
        if (!inImagePath.startsWith("/")) {
            return false;
        }
        for (String name : inImagePath.split("/")) {
            if (name.equals(".") || name.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static List<String> components(String path) {
        List<String> names = new ArrayList<>();
        for (String name : path.split("/")) {
            if (!name.isEmpty() && !name.equals(".")) {
                names.add(name);
            }
        }
        return names;
    }

    private static Path join(Path root, List<String> names) {
        Path path = root;
        for (String name : names) {
            path = path.resolve(name);
        }
        return path;
    }

    private static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read symbolic link " + link, e);
        }
    }
}
