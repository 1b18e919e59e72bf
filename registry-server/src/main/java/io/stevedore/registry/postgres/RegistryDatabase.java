package io.stevedore.registry.postgres;

import io.stevedore.registry.postgres.EmbeddedPostgres.Endpoint;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's database and the role the registry logs in as, set up through the superuser
 * at every start. The role is an ordinary one (no superuser, no CREATEDB, no CREATEROLE, ...)
 * that owns the database -- and so, since PostgreSQL 15, its schema public, which belongs to
 * pg_database_owner: Flyway creates the tables there as that role.
 *
 * <p>A cluster made before the role existed has the database and every table in it owned by
 * the superuser; they are handed over to the role (see {@link #OWNED_BY_SUPERUSER}).
 */
final class RegistryDatabase {

    private static final Logger log = LoggerFactory.getLogger(RegistryDatabase.class);

    /**
     * One ALTER ... OWNER TO statement per object the current user (the superuser) owns in the
     * current database's own schemas: schemas, tables, views, sequences, routines and types.
     * Not what follows its owner by itself: indexes, the sequence of a serial or identity
     * column, a table's row type, an extension's members. REASSIGN OWNED would be simpler, but
     * PostgreSQL refuses it for the bootstrap superuser, who owns the system catalogs too.
     */
    private static final String OWNED_BY_SUPERUSER = """
            WITH superuser AS (
                SELECT oid FROM pg_roles WHERE rolname = current_user
            ), user_schemas AS (
                SELECT oid FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
            ), owned (kind, catalog, object, name) AS (
                SELECT 'SCHEMA', 'pg_namespace'::regclass, n.oid, quote_ident(n.nspname)
                  FROM pg_namespace n
                 WHERE n.oid IN (SELECT oid FROM user_schemas) AND n.nspowner = (SELECT oid FROM superuser)
                UNION ALL
                SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                      WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                       'pg_class'::regclass, c.oid, c.oid::regclass::text
                  FROM pg_class c
                 WHERE c.relnamespace IN (SELECT oid FROM user_schemas) AND c.relowner = (SELECT oid FROM superuser)
                   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                UNION ALL
                SELECT 'ROUTINE', 'pg_proc'::regclass, p.oid, p.oid::regprocedure::text
                  FROM pg_proc p
                 WHERE p.pronamespace IN (SELECT oid FROM user_schemas) AND p.proowner = (SELECT oid FROM superuser)
                UNION ALL
                SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, 'pg_type'::regclass, t.oid, t.oid::regtype::text
                  FROM pg_type t
                 WHERE t.typnamespace IN (SELECT oid FROM user_schemas) AND t.typowner = (SELECT oid FROM superuser)
                   AND t.typtype IN ('c', 'd', 'e', 'r')
                   AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
            )
            SELECT format('ALTER %s %s OWNER TO %I', kind, name, ?::text) FROM owned o
             WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                                WHERE d.classid = o.catalog AND d.objid = o.object AND d.deptype IN ('a', 'i', 'e'))
            """;

    private RegistryDatabase() {
    }

    /**
     * Creates {@code role} if missing and (re)sets its attributes and password; creates
     * {@code database} owned by it if missing, or hands it over if the superuser owns it.
     *
     * @param superuser the superuser's endpoint, on any database but {@code database}
     */
    static void prepare(Endpoint superuser, String database, String role, String password) throws SQLException {
        try (Connection admin = connect(superuser)) {
            if (!exists(admin, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
                execute(admin, "CREATE ROLE " + quoted(role));
                log.info("Created role {}", role);
            }
            // At every start: the registry needs no more than this, whatever was granted by hand.
            execute(admin, "ALTER ROLE " + quoted(role)
                    + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS");
            // Hashed here and sent as a SCRAM verifier: the password itself never reaches the
            // server, nor its log. Set at every start, so a lost password file is simply replaced.
            admin.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), "scram-sha-256");

            Optional<String> owner = databaseOwner(admin, database);
            if (owner.isEmpty()) {
                execute(admin, "CREATE DATABASE " + quoted(database) + " OWNER " + quoted(role));
                log.info("Created database {} owned by role {}", database, role);
            } else if (!owner.get().equals(role)) {
                handOver(new Endpoint(superuser.host(), superuser.port(), database, superuser.username(),
                        superuser.password()), role);
            }
        }
    }

    /**
     * Gives the database, and what the superuser owns in it, to the role, in one transaction:
     * a crash midway leaves the database with the superuser, and the next start tries again.
     */
    private static void handOver(Endpoint databaseAsSuperuser, String role) throws SQLException {
        try (Connection connection = connect(databaseAsSuperuser)) {
            connection.setAutoCommit(false);
            List<String> statements = new ArrayList<>();
            try (PreparedStatement query = connection.prepareStatement(OWNED_BY_SUPERUSER)) {
                query.setString(1, role);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        statements.add(rows.getString(1));
                    }
                }
            }
            log.info("Handing database {} and the {} objects the superuser owns in it to role {} (a cluster made "
                    + "before the registry had a role of its own)", databaseAsSuperuser.database(), statements.size(), role);
            statements.add("ALTER DATABASE " + quoted(databaseAsSuperuser.database()) + " OWNER TO " + quoted(role));
            try (Statement statement = connection.createStatement()) {
                for (String sql : statements) {
                    statement.execute(sql);
                }
            }
            connection.commit();
        }
    }

    private static Optional<String> databaseOwner(Connection connection, String database) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
            query.setString(1, database);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        }
    }

    private static boolean exists(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, parameter);
            try (ResultSet row = query.executeQuery()) {
                return row.next();
            }
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static Connection connect(Endpoint endpoint) throws SQLException {
        return DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.username(), endpoint.password());
    }

    /** A SQL identifier, quoted: the names are constants, but nothing here should depend on that. */
    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
