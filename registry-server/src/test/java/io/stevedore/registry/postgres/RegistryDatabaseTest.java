package io.stevedore.registry.postgres;

import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.postgres.EmbeddedPostgres.Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** The registry's role: an ordinary one that owns the database, also on a cluster made before it existed. */
class RegistryDatabaseTest extends PostgresTestSupport {

    @Test
    void theRegistryLogsInAsAnOrdinaryRoleThatOwnsTheDatabase() throws Exception {
        Path dataDir = dataDir();
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Endpoint registry = postgres.start();
            assertThat(registry.username()).isEqualTo("registry");
            assertThat(query(registry, "SELECT current_user")).containsExactly("registry");
            assertThat(query(registry, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).containsExactly("f");
            assertThat(query(registry, "SELECT rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls "
                    + "FROM pg_roles WHERE rolname = current_user")).containsExactly("f");
            assertThat(query(registry, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"))
                    .containsExactly("registry");
            // PostgreSQL 15+: public belongs to whoever owns the database.
            assertThat(query(registry, "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'public'"))
                    .containsExactly("pg_database_owner");
            assertThat(query(registry, "SELECT has_schema_privilege('public', 'CREATE')")).containsExactly("t");
            execute(registry, "CREATE TABLE note (text varchar)");
            assertThat(query(registry, "SELECT tableowner FROM pg_tables WHERE tablename = 'note'")).containsExactly("registry");
        }
        assertThat(Files.getPosixFilePermissions(dataDir.resolve("postgres.registry.password")))
                .containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);
    }

    @Test
    void aLostPasswordFileIsReplaced() throws Exception {
        Path dataDir = dataDir();
        String lost;
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Endpoint registry = postgres.start();
            lost = registry.password();
            execute(registry, "CREATE TABLE note (text varchar)", "INSERT INTO note VALUES ('kept')");
        }
        Files.delete(dataDir.resolve("postgres.registry.password"));
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Endpoint registry = postgres.start();
            assertThat(registry.password()).isNotEqualTo(lost);
            assertThat(query(registry, "SELECT text FROM note")).containsExactly("kept");
        }
    }

    /**
     * The previous version had no registry role: the registry logged in as the superuser, which
     * owned the database and created every table. Rebuilt here, with the real migrations.
     */
    @Test
    void upgradesAClusterWhereTheSuperuserOwnsEverything() throws Exception {
        Path dataDir = dataDir();
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Endpoint registry = postgres.start();
            execute(superuser(registry, dataDir, "postgres"),
                    "DROP DATABASE stevedore", "DROP ROLE registry", "CREATE DATABASE stevedore");
            Endpoint oldRegistry = superuser(registry, dataDir, "stevedore");
            migrate(oldRegistry);
            execute(oldRegistry, "INSERT INTO repositories (name) VALUES ('before/upgrade')");
            assertThat(query(oldRegistry, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"))
                    .containsExactly("stevedore");
        }
        Files.delete(dataDir.resolve("postgres.registry.password"));

        try (EmbeddedPostgres postgres = new EmbeddedPostgres(dataDir, 0, "nobody")) {
            Endpoint registry = postgres.start();
            assertThat(query(registry, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).containsExactly("f");
            assertThat(query(registry, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"))
                    .containsExactly("registry");
            // tables, their indexes and serial sequences, Flyway's history table
            assertThat(query(registry, "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
                    + "WHERE relnamespace = 'public'::regnamespace")).containsExactly("registry");
            assertThat(migrate(registry)).as("migrations run after the upgrade").isZero();
            execute(registry, "INSERT INTO repositories (name) VALUES ('after/upgrade')",
                    "ALTER TABLE repositories ADD COLUMN a_later_migration text"); // only an owner may
            assertThat(query(registry, "SELECT name FROM repositories ORDER BY id"))
                    .containsExactly("before/upgrade", "after/upgrade");
        }
    }

    /** Applies the registry's real migrations; returns how many ran. */
    private static int migrate(Endpoint endpoint) {
        return Flyway.configure()
                .dataSource(endpoint.jdbcUrl(), endpoint.username(), endpoint.password())
                .locations("classpath:db/migration")
                .load()
                .migrate()
                .migrationsExecuted;
    }
}
