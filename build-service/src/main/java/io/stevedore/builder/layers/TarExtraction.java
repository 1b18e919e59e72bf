package io.stevedore.builder.layers;

import io.stevedore.builder.files.FileTrees;
import io.stevedore.builder.files.PosixMetadata;
import io.stevedore.builder.files.RootPaths;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Unpacks a tar stream below a root directory so that no entry, link or link chain can write
 * outside it. Shared by image layers (overlay whiteouts, symlinked parents refused) and ADDed
 * archives (whiteouts are ordinary files, parents resolved inside the destination as if it were
 * chrooted there, as Docker's chrootarchive does).
 */
public final class TarExtraction {

    public enum Mode {
        /** An image layer unpacked into its own, initially empty, overlay lower dir. */
        IMAGE_LAYER,
        /** An archive ADDed into an existing directory of the image. */
        ADDED_ARCHIVE,
        /**
         * A build context uploaded by someone else, unpacked into an empty directory on a build
         * worker: names must be relative and stay inside, parents are never symlinks, devices and
         * fifos are refused, owners and xattrs of the archive are not applied. Symlink entries are
         * kept as written (as `docker build` sends them and git checks them out): COPY refuses to
         * follow one out of the context.
         */
        BUILD_CONTEXT
    }

    /** Keep the owners written in the archive. */
    public static final int KEEP_OWNER = -1;

    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    /** Overlay's user.* xattr names (with userxattr), as UserDefinedFileAttributeView spells them. */
    static final String OVERLAY_OPAQUE = "overlay.opaque";
    static final String OVERLAY_WHITEOUT = "overlay.whiteout";

    private static final System.Logger LOG = System.getLogger(TarExtraction.class.getName());
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final byte[] YES = "y".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HAS_XWHITEOUTS = "x".getBytes(StandardCharsets.US_ASCII);

    private final Path root;
    private final Mode mode;
    private final int ownerUid;
    private final int ownerGid;
    private final SecurityXattrs securityXattrs;
    private final boolean runningAsRoot = ProcessIdentity.isRoot();
    private final byte[] buffer = new byte[1 << 20];

    /** Relative paths ("a/b") already known to be real directories, not symlinks. */
    private final Set<String> knownDirectories = new HashSet<>();
    private final Set<String> setgidDirectories = new HashSet<>();
    private final Set<String> opaqueDirectories = new HashSet<>();
    /** Directory -> names whited out in it as xattr whiteout files. */
    private final Map<String, Set<String>> whiteouts = new HashMap<>();
    /** Directory -> its mtime from the archive, in the order the directories first appeared. */
    private final LinkedHashMap<Path, FileTime> directoryTimes = new LinkedHashMap<>();
    private final List<SecurityXattrs.Assignment> capabilities = new ArrayList<>();

    private TarExtraction(Path root, Mode mode, int ownerUid, int ownerGid, SecurityXattrs securityXattrs) {
        this.root = root;
        this.mode = mode;
        this.ownerUid = ownerUid;
        this.ownerGid = ownerGid;
        this.securityXattrs = securityXattrs;
    }

    /**
     * Reads the tar from {@code tar} up to its end-of-archive marker and unpacks it below
     * {@code root} (created when missing). {@code uid}/{@code gid} override the archive's owners
     * unless {@link #KEEP_OWNER}.
     *
     * @throws CapabilityLossException when an entry carries file capabilities and setfattr is missing
     */
    public static void extract(InputStream tar, Path root, Mode mode, int uid, int gid) throws IOException {
        extract(tar, root, mode, uid, gid, SecurityXattrs.onThisHost());
    }

    /**
     * As {@link #extract(InputStream, Path, Mode, int, int)}, setting file capabilities with
     * {@code securityXattrs}; an entry carrying one fails with {@link CapabilityLossException}
     * when they cannot be set.
     */
    static void extract(InputStream tar, Path root, Mode mode, int uid, int gid, SecurityXattrs securityXattrs)
            throws IOException {
        Files.createDirectories(root);
        new TarExtraction(root, mode, uid, gid, securityXattrs).run(new TarReader(tar));
    }

    private void run(TarReader reader) throws IOException {
        TarEntry entry;
        while ((entry = reader.next()) != null) {
            try {
                apply(entry, reader);
            } catch (InvalidPathException e) {
                throw HostileArchiveException.entry(entry.name(), "not a valid path");
            }
        }
        // Children change their directory's mtime, so directories get theirs last, deepest first.
        for (Map.Entry<Path, FileTime> directory : directoryTimes.reversed().entrySet()) {
            try {
                PosixMetadata.setModifiedTime(directory.getKey(), directory.getValue());
            } catch (NoSuchFileException replacedLater) {
                // a later entry replaced the directory
            }
        }
        securityXattrs.apply(capabilities, root, subject());
    }

    private void apply(TarEntry entry, TarReader reader) throws IOException {
        if (mode == Mode.BUILD_CONTEXT) {
            refuseInContext(entry);
        }
        List<String> parts = cleanComponents(entry.name());
        if (parts.isEmpty()) {
            if (entry.type() == TarEntry.DIRECTORY) {
                return; // "./": the root itself keeps its metadata, as in Docker
            }
            throw HostileArchiveException.entry(entry.name(), "names the root directory");
        }
        String name = parts.get(parts.size() - 1);
        List<String> parentParts = parts.subList(0, parts.size() - 1);
        String parentKey = String.join("/", parentParts);
        Path parent = directory(parentParts, entry.name());
        if (mode == Mode.IMAGE_LAYER && name.startsWith(WHITEOUT_PREFIX)) {
            if (name.equals(OPAQUE_MARKER)) {
                markOpaque(parentKey, parent);
            } else {
                whiteout(parentKey, parent, name.substring(WHITEOUT_PREFIX.length()), entry.name());
            }
            return;
        }
        String key = parentKey.isEmpty() ? name : parentKey + "/" + name;
        Path target = parent.resolve(name);
        BasicFileAttributes existing = lstat(target);
        if (existing != null && !(existing.isDirectory() && entry.type() == TarEntry.DIRECTORY)) {
            FileTrees.delete(target);
            forget(key);
            existing = null;
        }
        switch (entry.type()) {
            case TarEntry.DIRECTORY -> {
                if (existing == null) {
                    Files.createDirectory(target);
                }
                knownDirectories.add(key);
                if ((entry.mode() & 02000) != 0) {
                    setgidDirectories.add(key);
                } else {
                    setgidDirectories.remove(key);
                }
                metadata(target, entry, parentKey, existing == null);
            }
            case TarEntry.REGULAR -> {
                writeFile(target, reader);
                metadata(target, entry, parentKey, true);
            }
            case TarEntry.SYMLINK -> {
                if (entry.linkName().isEmpty()) {
                    throw HostileArchiveException.entry(entry.name(), "symlink with an empty target");
                }
                Files.createSymbolicLink(target, Path.of(entry.linkName()));
                metadata(target, entry, parentKey, true);
            }
            case TarEntry.HARD_LINK -> Files.createLink(target, hardLinkTarget(entry));
            case TarEntry.CHAR_DEVICE, TarEntry.BLOCK_DEVICE, TarEntry.FIFO ->
                    LOG.log(System.Logger.Level.INFO, "skipped device or fifo tar entry " + entry.name()
                            + " (not creatable without mknod; runtimes provide /dev)");
            default -> LOG.log(System.Logger.Level.INFO, "skipped tar entry " + entry.name()
                    + " of unsupported type '" + entry.type() + "'");
        }
    }

    private static void refuseInContext(TarEntry entry) {
        if (entry.name().startsWith("/")) {
            throw HostileArchiveException.entry(entry.name(), "absolute path in a build context");
        }
        if (("/" + entry.name() + "/").contains("/../")) {
            throw HostileArchiveException.entry(entry.name(), "'..' in a build context path");
        }
        switch (entry.type()) {
            case TarEntry.CHAR_DEVICE, TarEntry.BLOCK_DEVICE, TarEntry.FIFO ->
                    throw HostileArchiveException.entry(entry.name(), "device or fifo in a build context");
            default -> { }
        }
    }

    /** Cleans a tar name to components; a leading '/' is dropped, '..' may never climb above the root. */
    static List<String> cleanComponents(String entryName) {
        List<String> parts = new ArrayList<>();
        for (String component : entryName.split("/")) {
            if (component.isEmpty() || component.equals(".")) {
                continue;
            }
            if (component.equals("..")) {
                if (parts.isEmpty()) {
                    throw HostileArchiveException.entry(entryName, "path escapes the root");
                }
                parts.remove(parts.size() - 1);
                continue;
            }
            if (component.indexOf('\0') >= 0) {
                throw HostileArchiveException.entry(entryName, "NUL in the name");
            }
            parts.add(component);
        }
        return parts;
    }

    /** The directory for {@code parts}, created (0755) where missing, never reached through a symlink. */
    private Path directory(List<String> parts, String entryName) throws IOException {
        if (mode == Mode.ADDED_ARCHIVE) {
            Path resolved = RootPaths.resolve(root, "/" + String.join("/", parts));
            Files.createDirectories(resolved);
            return resolved;
        }
        Path directory = root;
        StringBuilder key = new StringBuilder();
        for (String part : parts) {
            if (!key.isEmpty()) {
                key.append('/');
            }
            key.append(part);
            directory = directory.resolve(part);
            String k = key.toString();
            if (knownDirectories.contains(k)) {
                continue;
            }
            BasicFileAttributes attributes = lstat(directory);
            if (attributes == null) {
                Files.createDirectory(directory);
                PosixMetadata.setMode(directory, 0755);
            } else if (attributes.isSymbolicLink()) {
                throw HostileArchiveException.entry(entryName, "parent '" + k + "' is a symlink; writing through it could escape the root");
            } else if (!attributes.isDirectory()) {
                throw HostileArchiveException.entry(entryName, "parent '" + k + "' is not a directory");
            }
            knownDirectories.add(k);
        }
        return directory;
    }

    private Path hardLinkTarget(TarEntry entry) throws IOException {
        List<String> parts = cleanComponentsOfLink(entry);
        if (parts.isEmpty()) {
            throw HostileArchiveException.entry(entry.name(), "hard link to the root directory");
        }
        Path target;
        if (mode == Mode.ADDED_ARCHIVE) {
            target = RootPaths.resolve(root, "/" + String.join("/", parts.subList(0, parts.size() - 1)))
                    .resolve(parts.get(parts.size() - 1));
        } else {
            target = root;
            for (int i = 0; i < parts.size() - 1; i++) {
                target = target.resolve(parts.get(i));
                BasicFileAttributes attributes = lstat(target);
                if (attributes == null || attributes.isSymbolicLink() || !attributes.isDirectory()) {
                    throw HostileArchiveException.entry(entry.name(), "hard link target '" + entry.linkName()
                            + "' is missing or lies behind a symlink");
                }
            }
            target = target.resolve(parts.get(parts.size() - 1));
        }
        BasicFileAttributes attributes = lstat(target);
        if (attributes == null) {
            throw HostileArchiveException.entry(entry.name(), "hard link target '" + entry.linkName()
                    + "' does not exist in this archive");
        }
        if (attributes.isDirectory()) {
            throw HostileArchiveException.entry(entry.name(), "hard link to a directory");
        }
        return target;
    }

    private static List<String> cleanComponentsOfLink(TarEntry entry) {
        try {
            return cleanComponents(entry.linkName());
        } catch (HostileArchiveException e) {
            throw HostileArchiveException.entry(entry.name(), "hard link target '" + entry.linkName() + "' escapes the root");
        }
    }

    private void whiteout(String parentKey, Path parent, String hidden, String entryName) throws IOException {
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw HostileArchiveException.entry(entryName, "malformed whiteout");
        }
        if (opaqueDirectories.contains(parentKey)) {
            return; // an opaque directory hides everything below it already
        }
        Path file = parent.resolve(hidden);
        if (lstat(file) != null) {
            return; // this layer has its own entry of that name, which wins
        }
        Files.createFile(file);
        view(file).write(OVERLAY_WHITEOUT, ByteBuffer.wrap(YES));
        Set<String> names = whiteouts.computeIfAbsent(parentKey, k -> new HashSet<>());
        if (names.isEmpty()) {
            // overlayfs only looks for xattr whiteouts in directories marked opaque=x
            view(parent).write(OVERLAY_OPAQUE, ByteBuffer.wrap(HAS_XWHITEOUTS));
        }
        names.add(hidden);
    }

    private void markOpaque(String parentKey, Path parent) throws IOException {
        view(parent).write(OVERLAY_OPAQUE, ByteBuffer.wrap(YES));
        opaqueDirectories.add(parentKey);
        Set<String> hidden = whiteouts.remove(parentKey);
        if (hidden != null) {
            // With opaque=y overlayfs would show xattr whiteouts as plain empty files.
            for (String name : hidden) {
                Files.deleteIfExists(parent.resolve(name));
            }
        }
    }

    private void writeFile(Path target, TarReader reader) throws IOException {
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            int n;
            while ((n = reader.read(buffer, 0, buffer.length)) > 0) {
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
            }
        }
    }

    private void metadata(Path target, TarEntry entry, String parentKey, boolean created) throws IOException {
        if (mode == Mode.BUILD_CONTEXT) {
            if (entry.type() != TarEntry.SYMLINK) {
                // no setuid/setgid file of a stranger's archive on the worker's disk (it runs as root)
                PosixMetadata.setMode(target, entry.mode() & 0777);
            }
            setModifiedTime(target, entry);
            return;
        }
        int uid = ownerUid == KEEP_OWNER ? entry.uid() : ownerUid;
        int gid = ownerGid == KEEP_OWNER ? entry.gid() : ownerGid;
        boolean alreadyOwned = created && runningAsRoot && uid == 0 && gid == 0
                && !setgidDirectories.contains(parentKey);
        if (!alreadyOwned) {
            PosixMetadata.setOwner(target, uid, gid);
        }
        boolean symlink = entry.type() == TarEntry.SYMLINK;
        if (!symlink) {
            PosixMetadata.setMode(target, entry.mode());
            xattrs(target, entry);
        }
        setModifiedTime(target, entry);
    }

    private void setModifiedTime(Path target, TarEntry entry) throws IOException {
        FileTime mtime = FileTime.from(entry.mtimeSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        if (entry.type() == TarEntry.DIRECTORY) {
            directoryTimes.put(target, mtime); // a repeated entry keeps its first place
        } else {
            PosixMetadata.setModifiedTime(target, mtime);
        }
    }

    private void xattrs(Path target, TarEntry entry) throws IOException {
        for (Map.Entry<String, byte[]> xattr : entry.xattrs().entrySet()) {
            String name = xattr.getKey();
            if (name.startsWith("user.overlay.")) {
                LOG.log(System.Logger.Level.INFO, "ignored overlay xattr " + name + " on " + entry.name());
            } else if (name.startsWith("user.")) {
                view(target).write(name.substring(5), ByteBuffer.wrap(xattr.getValue()));
            } else if (name.equals(SecurityXattrs.CAPABILITY)) {
                if (capabilities.isEmpty() && !securityXattrs.canWrite()) {
                    // fail at the first one instead of after unpacking a whole layer in vain
                    throw CapabilityLossException.cannotSet(subject(), String.join("/", cleanComponents(entry.name())));
                }
                capabilities.add(new SecurityXattrs.Assignment(target, name, xattr.getValue()));
            } else {
                LOG.log(System.Logger.Level.INFO, "ignored xattr " + name + " on " + entry.name());
            }
        }
    }

    /** What this tar is, for messages. */
    private String subject() {
        return mode == Mode.IMAGE_LAYER ? "a layer" : "an added archive";
    }

    /** Forgets what was known about {@code key} and everything below it, after it was removed. */
    private void forget(String key) {
        String prefix = key + "/";
        Predicate<String> under = k -> k.equals(key) || k.startsWith(prefix);
        knownDirectories.removeIf(under);
        setgidDirectories.removeIf(under);
        opaqueDirectories.removeIf(under);
        whiteouts.keySet().removeIf(under);
        int slash = key.lastIndexOf('/');
        Set<String> siblings = whiteouts.get(slash < 0 ? "" : key.substring(0, slash));
        if (siblings != null) {
            siblings.remove(key.substring(slash + 1));
        }
    }

    private static BasicFileAttributes lstat(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static UserDefinedFileAttributeView view(Path path) {
        return Files.getFileAttributeView(path, UserDefinedFileAttributeView.class, NOFOLLOW);
    }
}
