package io.stevedore.registry.postgres;

import io.stevedore.registry.postgres.EmbeddedPostgres.Endpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/** Base of the tests that run the real PostgreSQL binaries (no Spring): a fresh dir per test, and SQL helpers. */
abstract class PostgresTestSupport {

    /**
     * Only its owner may enter this dir. Run as root, PostgreSQL (as "nobody") reaches the
     * clusters below it only through the CAP_DAC_OVERRIDE that setpriv leaves it, as it would
     * for a data dir under /root.
     */
    static final Path ROOT = Path.of("target", "embedded-postgres-tests").toAbsolutePath();

    /** One per test, emptied before and removed after it: each holds ~100 MB of binaries and cluster. */
    Path testDir;

    @BeforeAll
    static void createOwnerOnlyRoot() throws IOException {
        Files.createDirectories(ROOT);
        Files.setPosixFilePermissions(ROOT, PosixFilePermissions.fromString("rwx------"));
    }

    @BeforeEach
    void createTestDir(TestInfo test) throws IOException {
        testDir = ROOT.resolve(getClass().getSimpleName() + "-" + test.getTestMethod().orElseThrow().getName());
        FileTrees.delete(testDir);
        Files.createDirectories(testDir);
    }

    @AfterEach
    void removeTestDir() throws IOException {
        FileTrees.delete(testDir);
    }

    Path dataDir() {
        return testDir.resolve("data");
    }

    static long postmasterPid(Path dataDir) throws IOException {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).getFirst().strip());
    }

    /** The superuser, on the same server as {@code registry}; its password from the data dir. */
    static Endpoint superuser(Endpoint registry, Path dataDir, String database) throws IOException {
        return new Endpoint(registry.host(), registry.port(), database, EmbeddedPostgres.SUPERUSER,
                Files.readString(dataDir.resolve("postgres.password")).strip());
    }

    static Connection connect(Endpoint endpoint) throws SQLException {
        return DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.username(), endpoint.password());
    }

    static void execute(Endpoint endpoint, String... statements) throws SQLException {
        try (Connection connection = connect(endpoint); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    static List<String> query(Endpoint endpoint, String sql) throws SQLException {
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
}
