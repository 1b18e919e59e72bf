package io.stevedore.registry.postgres;

import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.registry.postgres.EmbeddedPostgres.Endpoint;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lifecycle: start, restart, stop, recovery from a killed owner, one owner per data dir. */
class EmbeddedPostgresTest extends PostgresTestSupport {

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
        assertThat(Files.getPosixFilePermissions(dataDir.resolve("postgres.registry.password")))
                .containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);
        assertThat(dataDir.resolve("postgres.initdb-tmp")).as("initdb's copy of the password, gone").doesNotExist();

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
            // only a superuser (or pg_read_all_settings) may see this one
            assertThat(query(superuser(endpoint, dataDir(), "stevedore"), "SHOW unix_socket_directories"))
                    .containsExactly("");
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
}
