package io.stevedore.registry.metadata;

import io.stevedore.oci.Digest;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Blob metadata: each blob once, and the links that let a repository serve it. */
@Repository
public class BlobRecordStore {
    private final JdbcClient jdbc;

    public BlobRecordStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Records a verified blob and links it into the repository; both idempotent, in one statement.
     * The link's foreign key sees the blob row its own statement inserted: PostgreSQL checks it
     * after the statement's data-modifying parts have run.
     */
    public void linkNew(long repositoryId, Digest digest, long size) {
        jdbc.sql("""
                with blob as (insert into blobs (digest, size) values (?, ?) on conflict (digest) do nothing)
                insert into repository_blobs (repository_id, digest) values (?, ?)
                on conflict (repository_id, digest) do update set created_at = now()""")
                .params(digest.toString(), size, repositoryId, digest.toString()).update();
    }

    /** Links the blob; a link that exists already restarts its garbage collection grace. */
    public void link(long repositoryId, Digest digest) {
        jdbc.sql("""
                insert into repository_blobs (repository_id, digest) values (?, ?)
                on conflict (repository_id, digest) do update set created_at = now()""")
                .params(repositoryId, digest.toString()).update();
    }

    /**
     * Takes the digest's collection lock, shared, until the transaction ends. Garbage collection
     * takes it exclusively from before it deletes a blob's row until after it deleted the bytes
     * (gc.CollectionLocks), so a commit or mount holding it never writes bytes or a link that a
     * collection then deletes from under it (docs/gc.md).
     */
    public void holdAgainstCollection(Digest digest) {
        jdbc.sql("select 1 from (select pg_advisory_xact_lock_shared(hashtextextended(?, 0))) as locked")
                .param(digest.toString()).query(Integer.class).single();
    }

    /** The blob's size if the repository may serve it. */
    public Optional<Long> sizeIn(String repository, Digest digest) {
        return jdbc.sql("""
                select b.size from repository_blobs rb
                join repositories r on r.id = rb.repository_id
                join blobs b on b.digest = rb.digest
                where r.name = ? and rb.digest = ?""")
                .params(repository, digest.toString()).query(Long.class).optional();
    }

    /** The blob's size if any repository holds it. */
    public Optional<Long> size(Digest digest) {
        return jdbc.sql("select size from blobs where digest = ?").param(digest.toString())
                .query(Long.class).optional();
    }

    /**
     * Which of the digests the repository holds, locking those links until the transaction ends
     * so that a concurrent blob delete cannot pull them from under a manifest being pushed.
     */
    public Set<String> lockLinked(long repositoryId, Collection<String> digests) {
        if (digests.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(jdbc.sql("""
                select digest from repository_blobs
                where repository_id = ? and digest = any (?) for share""")
                .params(repositoryId, digests.toArray(String[]::new)).query(String.class).list());
    }

    /** Unlinks the blob from the repository; the bytes stay until garbage collection. */
    public boolean unlink(String repository, Digest digest) {
        return jdbc.sql("""
                delete from repository_blobs rb using repositories r
                where r.id = rb.repository_id and r.name = ? and rb.digest = ?""")
                .params(repository, digest.toString()).update() > 0;
    }
}
