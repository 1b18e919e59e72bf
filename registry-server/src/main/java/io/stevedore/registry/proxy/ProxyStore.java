package io.stevedore.registry.proxy;

import io.stevedore.oci.Digest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The cache's own rows (migration V11): which repositories it fills, and when it last asked about a tag. */
@Repository
public class ProxyStore {
    private final JdbcClient jdbc;

    public ProxyStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Marks the repository as filled from the upstream (listed as such; GC and retention treat it as usual). */
    public void markCached(long repositoryId, String upstream) {
        jdbc.sql("insert into proxy_repositories (repository_id, upstream) values (?, ?) on conflict do nothing")
                .params(repositoryId, upstream).update();
    }

    /** When the upstream was last asked what the tag points at, if ever. */
    public Optional<Instant> checkedAt(String repository, String tag) {
        return jdbc.sql("""
                select pt.checked_at from proxy_tags pt join repositories r on r.id = pt.repository_id
                where r.name = ? and pt.tag = ?""")
                .params(repository, tag).query(Timestamp.class).optional().map(Timestamp::toInstant);
    }

    /** Records that the upstream was asked about the tag just now. */
    public void checked(long repositoryId, String tag) {
        jdbc.sql("""
                insert into proxy_tags (repository_id, tag, checked_at) values (?, ?, now())
                on conflict (repository_id, tag) do update set checked_at = now()""")
                .params(repositoryId, tag).update();
    }

    /** Records that the upstream was asked about the tag of an existing repository just now. */
    public void checked(String repository, String tag) {
        jdbc.sql("""
                insert into proxy_tags (repository_id, tag, checked_at)
                select id, ?, now() from repositories where name = ?
                on conflict (repository_id, tag) do update set checked_at = now()""")
                .params(tag, repository).update();
    }

    /**
     * The blob's size as a manifest of the repository declares it: a manifest the cache fetched,
     * verified, from the upstream, which is what entitles the repository to the blob.
     */
    public Optional<Long> declaredSize(String repository, Digest digest) {
        return jdbc.sql("""
                select mr.size from manifest_references mr
                join manifests m on m.id = mr.manifest_id
                join repositories r on r.id = m.repository_id
                where r.name = ? and mr.digest = ? limit 1""")
                .params(repository, digest.toString()).query(Long.class).optional();
    }
}
