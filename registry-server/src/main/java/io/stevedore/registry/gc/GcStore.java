package io.stevedore.registry.gc;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The SQL of garbage collection: which links and blobs are garbage, deleting them with the
 * re-checks that make it safe beside pushes (docs/gc.md), the orphan files the store walk finds,
 * and the record of runs. Every statement is short; no table is locked, only rows.
 */
@Repository
class GcStore {
    /** A config or layer reference; child manifests live in the database, not in the blob store. */
    private static final String BLOB_KINDS = "mr.kind in ('config', 'layer')";

    private final JdbcClient jdbc;

    GcStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The database's clock, which the created_at columns were set by. */
    Instant now() {
        return jdbc.sql("select now()").query(Timestamp.class).single().toInstant();
    }

    record Link(long repositoryId, String digest) {
    }

    record DeletedBlob(String digest, long size) {
    }

    /**
     * Locks (FOR UPDATE SKIP LOCKED) up to {@code limit} links after {@code after}, created before
     * {@code cutoff}, that no manifest of their repository seemed to reference when this statement
     * began. Must run in a transaction; a link a manifest push holds FOR SHARE is skipped.
     */
    List<Link> lockUnreferencedLinks(Instant cutoff, Link after, int limit) {
        return jdbc.sql("""
                select rb.repository_id, rb.digest from repository_blobs rb
                where (rb.repository_id, rb.digest) > (?, ?) and rb.created_at < ?
                  and not exists (select 1 from manifest_references mr join manifests m on m.id = mr.manifest_id
                                  where m.repository_id = rb.repository_id and mr.digest = rb.digest and %s)
                order by rb.repository_id, rb.digest
                limit ?
                for update of rb skip locked""".formatted(BLOB_KINDS))
                .params(after.repositoryId(), after.digest(), Timestamp.from(cutoff), limit)
                .query((rs, n) -> new Link(rs.getLong(1), rs.getString(2))).list();
    }

    /**
     * Deletes the locked links that still no manifest of their repository references. A new
     * statement, so a new snapshot: a manifest push that referenced one of them committed before
     * we got its lock (it holds the link FOR SHARE until commit), so its references are visible.
     */
    int deleteLinksStillUnreferenced(List<Link> locked) {
        if (locked.isEmpty()) {
            return 0;
        }
        return jdbc.sql("""
                delete from repository_blobs rb
                using unnest(?::bigint[], ?::text[]) as c(repository_id, digest)
                where rb.repository_id = c.repository_id and rb.digest = c.digest
                  and not exists (select 1 from manifest_references mr join manifests m on m.id = mr.manifest_id
                                  where m.repository_id = rb.repository_id and mr.digest = rb.digest and %s)"""
                        .formatted(BLOB_KINDS))
                .params(locked.stream().map(Link::repositoryId).toArray(Long[]::new),
                        locked.stream().map(Link::digest).toArray(String[]::new))
                .update();
    }

    /** Up to {@code limit} blobs after {@code after} with no link and no reference, created before the cutoff. */
    List<String> unreferencedBlobs(Instant cutoff, String after, int limit) {
        return jdbc.sql("""
                select b.digest from blobs b
                where b.digest > ? and b.created_at < ?
                  and not exists (select 1 from repository_blobs rb where rb.digest = b.digest)
                  and not exists (select 1 from manifest_references mr where mr.digest = b.digest and %s)
                order by b.digest
                limit ?""".formatted(BLOB_KINDS))
                .params(after, Timestamp.from(cutoff), limit)
                .query(String.class).list();
    }

    /**
     * Deletes the blob rows that, now, still have no link and no reference. The caller holds the
     * digests' collection locks, so no blob commit or mount is linking one of them meanwhile.
     */
    List<DeletedBlob> deleteBlobsStillUnreferenced(List<String> digests, Instant cutoff) {
        if (digests.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("""
                delete from blobs b
                where b.digest = any (?) and b.created_at < ?
                  and not exists (select 1 from repository_blobs rb where rb.digest = b.digest)
                  and not exists (select 1 from manifest_references mr where mr.digest = b.digest and %s)
                returning b.digest, b.size""".formatted(BLOB_KINDS))
                .params(digests.toArray(String[]::new), Timestamp.from(cutoff))
                .query((rs, n) -> new DeletedBlob(rs.getString(1), rs.getLong(2))).list();
    }

    /** Notes the walked digests that have no blobs row: new ones start their grace now. */
    void recordOrphanSightings(List<String> walked) {
        if (walked.isEmpty()) {
            return;
        }
        jdbc.sql("""
                insert into gc_orphan_files (digest)
                select d from unnest(?::text[]) as d
                where not exists (select 1 from blobs b where b.digest = d)
                on conflict (digest) do update set last_seen_at = now()""")
                .param(walked.toArray(String[]::new)).update();
    }

    /** Forgets orphans that got a row since, and those the walk that began at {@code walkStart} no longer saw. */
    void forgetSettledOrphans(Instant walkStart) {
        jdbc.sql("""
                delete from gc_orphan_files o
                where o.last_seen_at < ? or exists (select 1 from blobs b where b.digest = o.digest)""")
                .param(Timestamp.from(walkStart)).update();
    }

    /**
     * Orphan files first seen before the cutoff, still without a row, and not the context of a
     * build that is waiting, running or ended after the cutoff (contexts are stored as files
     * without a row).
     */
    List<String> dueOrphans(Instant cutoff, String after, int limit) {
        return jdbc.sql("""
                select o.digest from gc_orphan_files o
                where o.digest > ? and o.first_seen_at < ?
                  and not exists (select 1 from blobs b where b.digest = o.digest)
                  and not exists (select 1 from builds bu where bu.spec ->> 'context' = o.digest
                                  and (bu.status in ('queued', 'running') or bu.finished_at >= ?))
                order by o.digest
                limit ?""")
                .params(after, Timestamp.from(cutoff), Timestamp.from(cutoff), limit)
                .query(String.class).list();
    }

    /** Whether a blobs row exists now (checked under the digest's collection lock). */
    boolean blobRowExists(String digest) {
        return jdbc.sql("select exists (select 1 from blobs where digest = ?)").param(digest)
                .query(Boolean.class).single();
    }

    void forgetOrphan(String digest) {
        jdbc.sql("delete from gc_orphan_files where digest = ?").param(digest).update();
    }

    /** A run recorded as started: its id, and whether it is to walk the store. */
    record Started(long id, boolean walksStore) {
    }

    /**
     * Records a run's start; it walks the store if no run started a walk within {@code walkInterval}
     * (runs never overlap: one replica at a time).
     */
    Started startRun(String trigger, String requestedBy, Duration walkInterval) {
        return jdbc.sql("""
                insert into gc_runs (trigger, requested_by, store_walked)
                values (?, ?, ? or not exists (select 1 from gc_runs
                                               where store_walked and started_at > now() - ? * interval '1 millisecond'))
                returning id, store_walked""")
                .params(trigger, requestedBy, walkInterval.isZero(), walkInterval.toMillis())
                .query((rs, n) -> new Started(rs.getLong(1), rs.getBoolean(2))).single();
    }

    void finishRun(long id, GcRun.Counts counts, String lastError) {
        jdbc.sql("""
                update gc_runs set finished_at = now(), links_removed = ?, blobs_deleted = ?, bytes_freed = ?,
                                   orphan_files_deleted = ?, errors = ?, last_error = ?
                where id = ?""")
                .params(counts.linksRemoved(), counts.blobsDeleted(), counts.bytesFreed(),
                        counts.orphanFilesDeleted(), counts.errors(), lastError, id)
                .update();
    }

    private static final RowMapper<GcRun> RUN = (rs, n) -> new GcRun(rs.getLong("id"), rs.getString("trigger"),
            rs.getString("requested_by"), rs.getTimestamp("started_at").toInstant(),
            rs.getTimestamp("finished_at") == null ? null : rs.getTimestamp("finished_at").toInstant(),
            new GcRun.Counts(rs.getLong("links_removed"), rs.getLong("blobs_deleted"), rs.getLong("bytes_freed"),
                    rs.getLong("orphan_files_deleted"), rs.getInt("errors")),
            rs.getString("last_error"), rs.getBoolean("store_walked"));

    Optional<GcRun> run(long id) {
        return jdbc.sql("select * from gc_runs where id = ?").param(id).query(RUN).optional();
    }

    List<GcRun> recentRuns(int limit) {
        return jdbc.sql("select * from gc_runs order by id desc limit ?").param(limit).query(RUN).list();
    }
}
