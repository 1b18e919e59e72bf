package io.stevedore.builder.sandbox;

import io.stevedore.builder.files.RootPaths;
import io.stevedore.builder.files.SymlinkLoopException;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * In-image paths resolved against a root filesystem directory the way the container sees them:
 * symlinks are followed inside the root and {@code ..} stops at the root, so a hostile image can
 * never send the host-side code that prepares or cleans a step outside the rootfs.
 */
final class RootfsPath {


    private RootfsPath() {
    }

    /**
     * The host path of {@code inImagePath}: every existing symlink along the way is resolved inside
     * {@code root}; components that do not exist are appended as given.
     */
    static Path resolve(Path root, String inImagePath) {
        try {
            return RootPaths.resolve(root, inImagePath);
        } catch (SymlinkLoopException e) {
            throw new SandboxException(e.getMessage() + " in the image");
        }
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
}
