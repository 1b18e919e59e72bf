package io.stevedore.registry.metadata;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Upload sessions, shared by every replica.
 *
 * <p>Starting a session and recording its progress commit without waiting for the WAL flush
 * ({@code synchronous_commit = off}): should the database crash in that instant, the client
 * finds its session unknown and restarts that upload, which clients do anyway; no pushed
 * content is acknowledged by these writes. Finishing a session (the blob becoming visible)
 * stays fully synchronous.
 */
@Repository
public class UploadStore {
    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;

    public UploadStore(JdbcClient jdbc, TransactionTemplate transaction) {
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    private void withoutFlushWait(Runnable write) {
        transaction.executeWithoutResult(s -> {
            jdbc.sql("set local synchronous_commit to off").update();
            write.run();
        });
    }

    /** @param storageState what the blob store needs to continue the session (opaque), or null */
    public record Upload(UUID id, long repositoryId, long size, String storageState) {
    }

    /** Maps the columns {@code id, repository_id, size, storage_state}, in that order. */
    private static final RowMapper<Upload> UPLOAD =
            (rs, n) -> new Upload(rs.getObject(1, UUID.class), rs.getLong(2), rs.getLong(3), rs.getString(4));

    public void create(UUID id, long repositoryId) {
        withoutFlushWait(() -> jdbc.sql("insert into uploads (id, repository_id) values (?, ?)")
                .params(id, repositoryId).update());
    }

    /** The session if it exists and belongs to the named repository. */
    public Optional<Upload> find(String repository, UUID id) {
        return jdbc.sql("""
                select u.id, u.repository_id, u.size, u.storage_state
                from uploads u join repositories r on r.id = u.repository_id
                where u.id = ? and r.name = ?""")
                .params(id, repository)
                .query(UPLOAD)
                .optional();
    }

    /** Records the session's progress after a chunk; the bytes are already in the blob store. */
    public void progress(UUID id, long size, String storageState) {
        withoutFlushWait(() -> jdbc.sql(
                "update uploads set size = ?, storage_state = ?, updated_at = now() where id = ?")
                .params(size, storageState, id).update());
    }

    /**
     * Removes up to {@code limit} sessions idle for longer than {@code idle} and returns them, so
     * their bytes can be removed too. Rows another replica is claiming at the same moment are
     * skipped, never handed out twice.
     */
    public List<Upload> claimIdle(Duration idle, int limit) {
        return jdbc.sql("""
                delete from uploads where id in (
                    select id from uploads where updated_at < now() - make_interval(secs => ?)
                    order by updated_at limit ? for update skip locked)
                returning id, repository_id, size, storage_state""")
                .params((double) idle.toSeconds(), limit)
                .query(UPLOAD)
                .list();
    }

    public void delete(UUID id) {
        jdbc.sql("delete from uploads where id = ?").param(id).update();
    }
}
