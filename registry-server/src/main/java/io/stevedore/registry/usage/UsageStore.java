package io.stevedore.registry.usage;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Storage usage and quotas as PostgreSQL keeps them. The figures are maintained by the triggers
 * of migration V8 in the transaction of every manifest insert and delete; this class reads them,
 * takes the namespace lock a quota check needs, and stores the quotas.
 */
@Repository
public class UsageStore {
    private final JdbcClient jdbc;

    public UsageStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A namespace's usage and its quota, if one is set. */
    public record NamespaceUsage(String namespace, long usageBytes, Long quotaBytes) {
    }

    public record RepositoryUsage(String repository, long usageBytes) {
    }

    public record Quota(String namespace, long limitBytes) {
    }

    /** Bytes the repository's manifests occupy; 0 for one that holds none or does not exist. */
    public long repositoryBytes(String repository) {
        return jdbc.sql("""
                select coalesce((select ru.bytes from repository_usage ru
                                 join repositories r on r.id = ru.repository_id where r.name = ?), 0)""")
                .param(repository).query(Long.class).single();
    }

    public NamespaceUsage namespace(String namespace) {
        return jdbc.sql("""
                select (select bytes from namespace_usage where namespace = ?),
                       (select limit_bytes from namespace_quotas where namespace = ?)""")
                .params(namespace, namespace)
                .query((rs, n) -> new NamespaceUsage(namespace, rs.getLong(1), (Long) rs.getObject(2)))
                .single();
    }

    /** The namespace's repositories that hold something, by name. */
    public List<RepositoryUsage> repositoriesOf(String namespace) {
        return jdbc.sql("""
                select r.name, ru.bytes from repository_usage ru join repositories r on r.id = ru.repository_id
                where ru.namespace = ? order by r.name""")
                .param(namespace)
                .query((rs, n) -> new RepositoryUsage(rs.getString(1), rs.getLong(2))).list();
    }

    /** Every namespace that holds something or has a quota, by name. */
    public List<NamespaceUsage> namespaces() {
        return jdbc.sql("""
                select coalesce(u.namespace, q.namespace), coalesce(u.bytes, 0), q.limit_bytes
                from namespace_usage u full join namespace_quotas q on q.namespace = u.namespace
                where u.bytes > 0 or q.namespace is not null
                order by 1""")
                .query((rs, n) -> new NamespaceUsage(rs.getString(1), rs.getLong(2), (Long) rs.getObject(3)))
                .list();
    }

    /** Bytes of the whole site: each object once, however many namespaces hold it. */
    public long siteBytes() {
        return jdbc.sql("""
                select coalesce(sum(size), 0) from (
                    select distinct on (digest) size from namespace_usage_objects order by digest) objects""")
                .query(Long.class).single();
    }

    /** The namespace's quota in bytes, if one is set. */
    public Optional<Long> quota(String namespace) {
        return jdbc.sql("select limit_bytes from namespace_quotas where namespace = ?").param(namespace)
                .query(Long.class).optional();
    }

    public void setQuota(String namespace, long limitBytes, String actor) {
        jdbc.sql("""
                insert into namespace_quotas (namespace, limit_bytes, updated_by) values (?, ?, ?)
                on conflict (namespace) do update
                set limit_bytes = excluded.limit_bytes, updated_by = excluded.updated_by, updated_at = now()""")
                .params(namespace, limitBytes, actor).update();
    }

    public boolean removeQuota(String namespace) {
        return jdbc.sql("delete from namespace_quotas where namespace = ?").param(namespace).update() > 0;
    }

    /**
     * Locks the namespace's figures until the transaction ends (the lock every manifest insert
     * and delete in it takes) and returns its usage. The manifest being pushed, if the repository
     * has it, is share-locked first: a delete of it takes its row before the namespace lock, and
     * so must we, or the two would wait on each other.
     */
    public long lockNamespace(String namespace, long repositoryId, String manifestDigest) {
        jdbc.sql("select 1 from manifests where repository_id = ? and digest = ? for share")
                .params(repositoryId, manifestDigest).query(Integer.class).optional();
        jdbc.sql("select usage_lock_namespace(?)").param(namespace).query((rs, n) -> 1).single();
        return jdbc.sql("select bytes from namespace_usage where namespace = ?").param(namespace)
                .query(Long.class).single();
    }

    /**
     * What a manifest of these bytes and blobs would add to the namespace: the objects among them
     * that none of its repositories holds yet, each once, blobs at their stored size.
     */
    public long bytesNewTo(String namespace, String manifestDigest, long manifestSize, Collection<String> blobs) {
        return jdbc.sql("""
                select coalesce(sum(o.size), 0) from (
                    select ?::text as digest, ?::bigint as size
                    union
                    select b.digest, b.size from blobs b where b.digest = any (?)) o
                where not exists (select 1 from namespace_usage_objects n
                                  where n.namespace = ? and n.digest = o.digest)""")
                .params(manifestDigest, manifestSize, blobs.toArray(String[]::new), namespace)
                .query(Long.class).single();
    }
}
