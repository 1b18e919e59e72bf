package io.stevedore.builder.context;

import io.stevedore.builder.files.PosixMetadata;
import io.stevedore.builder.files.RootPaths;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Docker's COPY/ADD destination rules, writing into a root filesystem (the merged overlay view of
 * the step) so that symlinks already in the image are followed only inside that root:
 * <ul>
 * <li>a destination ending in '/', several sources, or an existing directory means "into this directory";</li>
 * <li>a source directory copies its contents, not itself;</li>
 * <li>missing parents are created 0755, owned by the chown owner when there is one, like BuildKit;</li>
 * <li>files keep mode and mtime; owner is chown, else the source's (COPY --from) or 0:0 (context);</li>
 * <li>chmod applies to every file and directory copied; symlinks are copied as symlinks.</li>
 * </ul>
 * A top-level source that is a symlink is followed, as BuildKit does. Callers must have checked
 * that it stays inside its root: {@link BuildContext#resolveSources} does so for the context,
 * {@link #copyFromRoot} for another stage's or image's root.
 */
public final class FileCopier {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final Path targetRoot;
    private final SourceFilter filter;
    private final Ownership chown;
    private final Integer chmod;
    private final boolean preserveOwnership;

    private FileCopier(Path targetRoot, SourceFilter filter, Ownership chown, Integer chmod, boolean preserveOwnership) {
        this.targetRoot = targetRoot;
        this.filter = filter;
        this.chown = chown;
        this.chmod = chmod;
        this.preserveOwnership = preserveOwnership;
    }

    /** A resolved source: its content (never a symlink) and the name it is copied under. */
    private record Source(Path content, String name) {}

    public static void copy(List<Path> sources, Path targetRoot, String destinationInImage, Ownership chown,
                            Integer chmod, boolean preserveOwnership) {
        copy(sources, SourceFilter.ALL, targetRoot, destinationInImage, chown, chmod, preserveOwnership);
    }

    /** As above, leaving out what {@code filter} excludes inside source directories (.dockerignore). */
    public static void copy(List<Path> sources, SourceFilter filter, Path targetRoot, String destinationInImage,
                            Ownership chown, Integer chmod, boolean preserveOwnership) {
        List<Source> resolved = new ArrayList<>();
        for (Path source : sources) {
            try {
                resolved.add(new Source(source.toRealPath(), source.getFileName() == null ? "" : source.getFileName().toString()));
            } catch (IOException e) {
                throw new BuildContextException("COPY source " + source + " is not readable: " + e.getMessage(), e);
            }
        }
        new FileCopier(targetRoot, filter, chown, chmod, preserveOwnership).run(resolved, destinationInImage);
    }

    /**
     * COPY --from: {@code pathsInSource} are absolute paths inside {@code sourceRoot} (another
     * stage's root filesystem or an image's), resolved there with {@link RootPaths} so their
     * symlinks cannot leave it. Owners are kept unless {@code chown}.
     */
    public static void copyFromRoot(Path sourceRoot, List<String> pathsInSource, Path targetRoot,
                                    String destinationInImage, Ownership chown, Integer chmod) {
        List<Source> resolved = new ArrayList<>();
        for (String path : pathsInSource) {
            Path content = RootPaths.resolve(sourceRoot, path);
            if (!Files.exists(content, NOFOLLOW)) {
                throw new BuildContextException("COPY --from source '" + path + "' does not exist");
            }
            String clean = PathNames.clean("/" + path);
            resolved.add(new Source(content, clean.substring(clean.lastIndexOf('/') + 1)));
        }
        new FileCopier(targetRoot, SourceFilter.ALL, chown, chmod, true).run(resolved, destinationInImage);
    }

    private void run(List<Source> sources, String destinationInImage) {
        try {
            Path destination = RootPaths.resolve(targetRoot, destinationInImage);
            boolean intoDirectory = destinationInImage.endsWith("/") || sources.size() > 1
                    || Files.isDirectory(destination, NOFOLLOW);
            for (Source source : sources) {
                Map<String, Object> stat = PosixMetadata.stat(source.content());
                boolean directory = PosixMetadata.fileType((Integer) stat.get("mode")) == PosixMetadata.TYPE_DIRECTORY;
                if (directory) {
                    boolean created = ensureDirectory(destination, source.content(), stat);
                    copyChildren(source.content(), destination);
                    if (created) {
                        PosixMetadata.setModifiedTime(destination, (FileTime) stat.get("lastModifiedTime"));
                    }
                } else {
                    Path target = destination;
                    if (intoDirectory) {
                        createParents(destination);
                        if (!Files.isDirectory(destination, NOFOLLOW)) {
                            createDirectory(destination, 0755, null);
                        }
                        target = destination.resolve(source.name());
                    } else {
                        createParents(destination.getParent());
                    }
                    copyEntry(source.content(), stat, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("COPY to " + destinationInImage + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code directory} (with the source directory's metadata) if missing; true if it did. */
    private boolean ensureDirectory(Path directory, Path sourceDirectory, Map<String, Object> stat) throws IOException {
        BasicFileAttributes existing = lstat(directory);
        if (existing != null && existing.isDirectory()) {
            return false;
        }
        if (existing != null) {
            throw new BuildContextException("cannot copy directory " + sourceDirectory + " onto existing non-directory "
                    + inImage(directory));
        }
        createParents(directory.getParent());
        Files.createDirectory(directory);
        applyMetadata(directory, stat, false);
        return true;
    }

    private void copyChildren(Path sourceDirectory, Path targetDirectory) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(sourceDirectory)) {
            stream.forEach(children::add);
        }
        for (Path child : children) {
            Map<String, Object> stat = PosixMetadata.stat(child);
            boolean directory = PosixMetadata.fileType((Integer) stat.get("mode")) == PosixMetadata.TYPE_DIRECTORY;
            Path target = targetDirectory.resolve(child.getFileName().toString());
            if (!filter.included(child)) {
                if (directory && filter.mayIncludeBelow(child)) {
                    // an excluded directory may hold '!'-included files; it is kept only if one is copied
                    boolean created = lstat(target) == null;
                    Path into = directoryTarget(target, child, stat);
                    copyChildren(child, into);
                    if (created && isEmpty(into)) {
                        Files.delete(into);
                    }
                }
                continue;
            }
            if (directory) {
                Path into = directoryTarget(target, child, stat);
                copyChildren(child, into);
                PosixMetadata.setModifiedTime(into, (FileTime) stat.get("lastModifiedTime"));
            } else {
                copyEntry(child, stat, target);
            }
        }
    }

    /** The directory to copy a source directory into: existing (symlinks followed inside the root) or new. */
    private Path directoryTarget(Path target, Path source, Map<String, Object> stat) throws IOException {
        BasicFileAttributes existing = lstat(target);
        if (existing == null) {
            Files.createDirectory(target);
            applyMetadata(target, stat, false);
            return target;
        }
        if (existing.isSymbolicLink()) {
            Path followed = RootPaths.resolve(targetRoot, inImage(target));
            if (Files.isDirectory(followed, NOFOLLOW)) {
                return followed;
            }
        }
        if (existing.isDirectory()) {
            return target;
        }
        Files.delete(target);
        Files.createDirectory(target);
        applyMetadata(target, stat, false);
        return target;
    }

    /** Copies a regular file or symlink (as a symlink) onto {@code target}, replacing a non-directory. */
    private void copyEntry(Path source, Map<String, Object> stat, Path target) throws IOException {
        int type = PosixMetadata.fileType((Integer) stat.get("mode"));
        BasicFileAttributes existing = lstat(target);
        if (existing != null) {
            if (existing.isDirectory()) {
                throw new BuildContextException("cannot replace directory " + inImage(target) + " with a file");
            }
            Files.delete(target);
        }
        if (type == PosixMetadata.TYPE_SYMLINK) {
            Files.createSymbolicLink(target, Files.readSymbolicLink(source));
            applyMetadata(target, stat, true);
        } else if (type == PosixMetadata.TYPE_REGULAR) {
            Files.copy(source, target, LinkOption.NOFOLLOW_LINKS); // copy_file_range in the JDK: no user-space copy
            applyMetadata(target, stat, false);
        }
        // devices, fifos and sockets in a source are not copied, as BuildKit refuses most of them
    }

    private void applyMetadata(Path target, Map<String, Object> stat, boolean symlink) throws IOException {
        int uid;
        int gid;
        if (chown != null) {
            uid = chown.uid();
            gid = chown.gid();
        } else if (preserveOwnership) {
            uid = (Integer) stat.get("uid");
            gid = (Integer) stat.get("gid");
        } else {
            uid = 0;
            gid = 0;
        }
        if (!(uid == 0 && gid == 0 && ownedByRoot(target))) { // created by root: chown would change nothing
            PosixMetadata.setOwner(target, uid, gid);
        }
        if (!symlink) {
            PosixMetadata.setMode(target, chmod != null ? chmod : (Integer) stat.get("mode"));
        }
        PosixMetadata.setModifiedTime(target, (FileTime) stat.get("lastModifiedTime"));
    }

    private static boolean ownedByRoot(Path path) throws IOException {
        Map<String, Object> owner = Files.readAttributes(path, "unix:uid,gid", NOFOLLOW);
        return (Integer) owner.get("uid") == 0 && (Integer) owner.get("gid") == 0;
    }

    /** Creates missing directories up to {@code directory}: 0755, owned by chown or root. */
    private void createParents(Path directory) throws IOException {
        if (directory == null || Files.isDirectory(directory, NOFOLLOW)) {
            return;
        }
        createParents(directory.getParent());
        if (lstat(directory) != null) {
            throw new BuildContextException("COPY destination parent " + inImage(directory) + " is not a directory");
        }
        createDirectory(directory, 0755, chown);
    }

    private static void createDirectory(Path directory, int mode, Ownership owner) throws IOException {
        Files.createDirectory(directory);
        if (owner != null) {
            PosixMetadata.setOwner(directory, owner.uid(), owner.gid());
        }
        PosixMetadata.setMode(directory, mode);
    }

    private String inImage(Path path) {
        return "/" + targetRoot.relativize(path);
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            return !stream.iterator().hasNext();
        }
    }

    private static BasicFileAttributes lstat(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
