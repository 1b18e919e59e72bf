package io.stevedore.builder.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The mount points runc creates in the rootfs for the sandbox's own mounts (/proc, /dev, /sys,
 * /etc/hosts, secrets, caches, binds). On an overlay they land in the upper dir, i.e. in the layer,
 * so those that did not exist before the step are removed afterwards together with the parent
 * directories created for them, as BuildKit's MountStubsCleaner does. Removal goes through the
 * merged dir: an entry that exists only in the upper then vanishes without a whiteout.
 */
final class MountStubs {

    /**
     * One mount point that did not exist: the paths runc will create for it, deepest first, and the
     * existing directory they hang from, with its state before the step.
     */
    private record Stub(List<Path> createdDeepestFirst, Path existingParent, FileTime parentModified,
            Set<String> parentNames) {
    }

    private final List<Stub> stubs;

    private MountStubs(List<Stub> stubs) {
        this.stubs = stubs;
    }

    /** Notes which of the in-image {@code targets} do not exist yet in {@code rootfs}. */
    static MountStubs before(Path rootfs, Collection<String> targets) {
        List<Stub> stubs = new ArrayList<>();
        for (String target : targets) {
            Path path = RootfsPath.resolve(rootfs, target);
            if (path.equals(rootfs) || Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            List<Path> created = new ArrayList<>();
            Path missing = path;
            while (!Files.exists(missing.getParent(), LinkOption.NOFOLLOW_LINKS)) {
                created.add(missing);
                missing = missing.getParent();
            }
            created.add(missing);
            Path parent = missing.getParent();
            if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
                continue; // runc will refuse this mount itself; nothing of ours will be created
            }
            stubs.add(new Stub(created, parent, modified(parent), names(parent)));
        }
        return new MountStubs(stubs);
    }

    /**
     * Removes the stubs that are still empty. A directory the step filled, or a file it wrote, is its
     * own work and stays. The parent's mtime is put back when its entries are as before, so an
     * unchanged /etc does not look modified.
     */
    void remove() {
        for (Stub stub : stubs) {
            for (Path path : stub.createdDeepestFirst()) {
                if (!removeIfEmpty(path)) {
                    break;
                }
            }
        }
        for (Stub stub : stubs) {
            // Only when it changed: touching a lower-only directory would copy it up into the layer.
            if (Files.isDirectory(stub.existingParent(), LinkOption.NOFOLLOW_LINKS)
                    && !modified(stub.existingParent()).equals(stub.parentModified())
                    && names(stub.existingParent()).equals(stub.parentNames())) {
                try {
                    Files.setLastModifiedTime(stub.existingParent(), stub.parentModified());
                } catch (IOException ignored) {
                    // cosmetic: only the directory's mtime in the layer differs
                }
            }
        }
    }

    private static boolean removeIfEmpty(Path path) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attributes.isRegularFile() && attributes.size() != 0) {
                return false;
            }
            if (!attributes.isRegularFile() && !attributes.isDirectory()) {
                return false;
            }
            Files.delete(path);
            return true;
        } catch (NoSuchFileException alreadyGone) {
            return true;
        } catch (DirectoryNotEmptyException stepWroteIntoIt) {
            return false;
        } catch (IOException e) {
            throw new SandboxException("cannot remove mount point " + path + " from the layer: " + e, e);
        }
    }

    private static FileTime modified(Path directory) {
        try {
            return Files.getLastModifiedTime(directory, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new SandboxException("cannot read " + directory + ": " + e, e);
        }
    }

    private static Set<String> names(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            Set<String> names = new TreeSet<>();
            entries.forEach(entry -> names.add(entry.getFileName().toString()));
            return names;
        } catch (IOException e) {
            throw new SandboxException("cannot list " + directory + ": " + e, e);
        }
    }
}
