package io.stevedore.registry.gc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * The collector's side of the per-digest collection lock (docs/gc.md): PostgreSQL session
 * advisory locks keyed {@code hashtextextended(digest, 0)}, held on a connection of their own
 * from before a blob's row is deleted until after its bytes are deleted, so they outlive the
 * delete's commit. Blob commits and mounts take the same key shared, for their transaction
 * ({@code BlobRecordStore.holdAgainstCollection}); a digest one of them holds is skipped, never
 * waited for. A replica that dies loses its connection and with it the locks.
 */
final class CollectionLocks implements AutoCloseable {
    private final Connection connection;

    private CollectionLocks(Connection connection) {
        this.connection = connection;
    }

    static CollectionLocks open(DataSource dataSource) {
        try {
            return new CollectionLocks(dataSource.getConnection());
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Locks those of the digests nobody holds; returns them. */
    List<String> tryLock(List<String> digests) {
        return digestsWhere("select d from unnest(?) as d where pg_try_advisory_lock(hashtextextended(d, 0))",
                digests);
    }

    void unlock(List<String> digests) {
        digestsWhere("select d from unnest(?) as d where pg_advisory_unlock(hashtextextended(d, 0))", digests);
    }

    private List<String> digestsWhere(String sql, List<String> digests) {
        if (digests.isEmpty()) {
            return List.of();
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            Array array = connection.createArrayOf("text", digests.toArray());
            statement.setArray(1, array);
            List<String> result = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    result.add(rows.getString(1));
                }
            }
            return result;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Releases whatever is still held (after a failure) before the connection goes back to the pool. */
    @Override
    public void close() {
        try (connection; PreparedStatement statement = connection.prepareStatement("select pg_advisory_unlock_all()")) {
            statement.execute();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private static DataAccessResourceFailureException failure(SQLException e) {
        return new DataAccessResourceFailureException("garbage collection locks", e);
    }
}
