package io.stevedore.registry.metadata;

import io.stevedore.oci.RepositoryName;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Upload sessions, shared by every replica.
 *
 * <p>Starting a session and recording its progress commit without waiting for the WAL flush
 * ({@code synchronous_commit = off}): should the database crash in that instant, the client
 * finds its session unknown and restarts that upload, which clients do anyway; no pushed
 * content is acknowledged by these writes. Finishing a session (the blob becoming visible)
 * stays fully synchronous. Each of those writes is one statement, so one round trip: the
 * setting is made inside it ({@link #WITHOUT_FLUSH_WAIT}), for its own transaction only.
 */
@Repository
public class UploadStore {
    /**
     * A condition that is true and turns the flush wait off for the rest of the statement's
     * transaction (a {@code set local} in the statement itself, where a separate {@code set local}
     * would cost a transaction of three round trips). The setting is read at commit.
     */
    private static final String WITHOUT_FLUSH_WAIT = "set_config('synchronous_commit', 'off', true) = 'off'";
    private static final int START_ATTEMPTS = 3;

    private final JdbcClient jdbc;

    public UploadStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** @param storageState what the blob store needs to continue the session (opaque), or null */
    public record Upload(UUID id, long repositoryId, long size, String storageState) {
    }

    /** Maps the columns {@code id, repository_id, size, storage_state}, in that order. */
    private static final RowMapper<Upload> UPLOAD =
            (rs, n) -> new Upload(rs.getObject(1, UUID.class), rs.getLong(2), rs.getLong(3), rs.getString(4));

    /**
     * What starting a session found: whether it started, whether the namespace had room, and its
     * usage and quota (null when it has none), by which a start was refused.
     */
    public record Start(boolean started, boolean admitted, long usageBytes, Long quotaBytes) {
    }

    /**
     * Starts session {@code id} in the repository, creating the repository if needed, unless its
     * namespace is full (at or over its quota: the rule of usage.Quotas, checked here so that the
     * whole start is one statement, one round trip).
     */
    public Start start(UUID id, RepositoryName repository, String namespace) {
        for (int attempt = 1; ; attempt++) {
            try {
                Start start = jdbc.sql("""
                        with quota as (select limit_bytes from namespace_quotas where namespace = ?),
                        figures as (
                            select case when exists (select 1 from quota)
                                        then (select coalesce(sum(namespace_bytes), 0) from usage_changes
                                              where namespace = ?) else 0 end as usage_bytes,
                                   (select limit_bytes from quota) as quota_bytes),
                        admitted as (
                            select ? as name from figures where quota_bytes is null or usage_bytes < quota_bytes),
                        created as (
                            insert into repositories (name) select name from admitted
                            on conflict (name) do nothing returning id),
                        repository as (
                            select id from created
                            union all
                            select r.id from repositories r join admitted a on a.name = r.name),
                        session as (
                            insert into uploads (id, repository_id) select ?, id from repository
                            where %s limit 1 returning id)
                        select exists (select 1 from session), exists (select 1 from admitted),
                               usage_bytes, quota_bytes from figures""".formatted(WITHOUT_FLUSH_WAIT))
                        .params(namespace, namespace, repository.value(), id)
                        .query((rs, n) -> new Start(rs.getBoolean(1), rs.getBoolean(2), rs.getLong(3),
                                (Long) rs.getObject(4)))
                        .single();
                if (start.started() || !start.admitted()) {
                    return start;
                }
                // Admitted but not started: another transaction was creating (or deleting) the
                // repository, invisible to this statement's snapshot; it has settled by now.
            } catch (DataIntegrityViolationException e) {
                // the repository was deleted between this statement's snapshot and the session insert
                if (attempt == START_ATTEMPTS) {
                    throw e;
                }
            }
            if (attempt == START_ATTEMPTS) {
                throw new IllegalStateException("repository " + repository.value() + " keeps changing");
            }
        }
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
        jdbc.sql("update uploads set size = ?, storage_state = ?, updated_at = now() where id = ? and "
                        + WITHOUT_FLUSH_WAIT)
                .params(size, storageState, id).update();
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

    /**
     * Ends the session by linking its blob into the session's repository, in one statement (one
     * round trip where the repository's lookup, the link and the session's delete took three):
     * call it in the transaction that committed the bytes, holding the digest's collection lock.
     *
     * <p>The repository's row is locked ({@code FOR KEY SHARE}, until the commit) before the
     * session's: a repository deletion locks its row first and its sessions in its cascade, so
     * the opposite order would deadlock with it. A deletion under way makes this wait; once it
     * commits, the repository and the session are gone and nothing is linked.
     *
     * @return false if the session or its repository is gone, its blob not linked: the caller
     *         links it by the repository's name, creating the repository again
     */
    public boolean completeWithBlob(UUID id, long repositoryId, String digest, long size) {
        return jdbc.sql("""
                with repository as (select id from repositories where id = ? for key share),
                session as (
                    delete from uploads where id = ? and repository_id = (select id from repository)
                    returning repository_id),
                blob as (insert into blobs (digest, size) values (?, ?) on conflict (digest) do nothing),
                link as (
                    insert into repository_blobs (repository_id, digest) select repository_id, ? from session
                    on conflict (repository_id, digest) do update set created_at = now()
                    returning 1)
                select count(*) from link""")
                .params(repositoryId, id, digest, size, digest).query(Long.class).single() > 0;
    }

    public void delete(UUID id) {
        jdbc.sql("delete from uploads where id = ?").param(id).update();
    }
}
