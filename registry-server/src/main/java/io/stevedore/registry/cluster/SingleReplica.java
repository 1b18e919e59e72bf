package io.stevedore.registry.cluster;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Supplier;
import java.util.Optional;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.stereotype.Component;

/**
 * Runs a task on at most one replica at a time: the task holds a PostgreSQL session advisory lock
 * named after it for as long as it runs, so scheduled jobs (garbage collection, retention, ...)
 * that every replica schedules run once, and an on-demand run cannot overlap a scheduled one. The
 * lock dies with its connection, so a replica that crashes mid-task frees it at once.
 */
@Component
public class SingleReplica {
    private final DataSource dataSource;

    public SingleReplica(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Runs {@code task} if no replica runs a task of this name now; empty if one does (the task is
     * then not run). The lock is held on a connection of its own, outside the task's transactions.
     */
    public <T> Optional<T> runIfFree(String taskName, Supplier<T> task) {
        long key = lockKey(taskName);
        try (Connection connection = dataSource.getConnection()) {
            if (!call(connection, "select pg_try_advisory_lock(?)", key)) {
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(task.get());
            } finally {
                call(connection, "select pg_advisory_unlock(?)", key);
            }
        } catch (SQLException e) {
            throw new DataAccessResourceFailureException("advisory lock for " + taskName, e);
        }
    }

    /** A stable 64-bit key per task name (advisory locks are numbered, not named). */
    static long lockKey(String taskName) {
        CRC32 crc = new CRC32();
        crc.update(("stevedore:" + taskName).getBytes(StandardCharsets.UTF_8));
        return 0x5744_0000_0000_0000L | crc.getValue();
    }

    private static boolean call(Connection connection, String sql, long key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, key);
            try (ResultSet result = statement.executeQuery()) {
                return result.next() && result.getBoolean(1);
            }
        }
    }
}
