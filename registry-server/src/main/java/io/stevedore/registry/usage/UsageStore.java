package io.stevedore.registry.usage;

import io.stevedore.oci.RepositoryName;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Storage usage and quotas as PostgreSQL keeps them. The figures are maintained by the triggers
 * of migrations V8 and V12 in the transaction of every manifest insert and delete, as change rows
 * that a figure is the sum of; this class reads them, takes the namespace lock a quota check
 * needs, and stores the quotas. A push into a namespace without a quota leaves its counting in
 * a backlog (V18), which every read here counts first unless pushes into the namespace are under
 * way: then the figures read are behind by at most the scheduled drain's interval.
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
    public long repositoryBytes(RepositoryName repository) {
        drain(Quotas.namespaceOf(repository));
        return jdbc.sql("""
                select coalesce(sum(c.repository_bytes), 0) from usage_changes c
                join repositories r on r.id = c.repository_id where r.name = ?""")
                .param(repository.value()).query(Long.class).single();
    }

    public NamespaceUsage namespace(String namespace) {
        drain(namespace);
        return jdbc.sql("""
                select (select coalesce(sum(namespace_bytes), 0) from usage_changes where namespace = ?),
                       (select limit_bytes from namespace_quotas where namespace = ?)""")
                .params(namespace, namespace)
                .query((rs, n) -> new NamespaceUsage(namespace, rs.getLong(1), (Long) rs.getObject(2)))
                .single();
    }

    /**
     * The namespace's usage and quota if it has a quota, for an upload's check; without draining
     * its backlog, which a namespace with a quota does not have (V18), so that an upload never
     * waits on the namespace's lock. Empty for a namespace without a quota, whose change rows are
     * then not summed: an upload there has nothing to check.
     */
    Optional<NamespaceUsage> limitedNamespace(String namespace) {
        return jdbc.sql("""
                select (select coalesce(sum(c.namespace_bytes), 0) from usage_changes c where c.namespace = q.namespace),
                       q.limit_bytes
                from namespace_quotas q where q.namespace = ?""")
                .param(namespace)
                .query((rs, n) -> new NamespaceUsage(namespace, rs.getLong(1), rs.getLong(2)))
                .optional();
    }

    /** The namespace's repositories that hold something, by name. */
    public List<RepositoryUsage> repositoriesOf(String namespace) {
        drain(namespace);
        return jdbc.sql("""
                select r.name, (select coalesce(sum(c.repository_bytes), 0) from usage_changes c
                                where c.repository_id = r.id)
                from repositories r
                where r.id in (select ru.repository_id from repository_usage ru where ru.namespace = ?)
                  and exists (select 1 from repository_usage_objects ro where ro.repository_id = r.id)
                order by r.name""")
                .param(namespace)
                .query((rs, n) -> new RepositoryUsage(rs.getString(1), rs.getLong(2))).list();
    }

    /** Every namespace that holds something or has a quota, by name. */
    public List<NamespaceUsage> namespaces() {
        drainAll();
        return jdbc.sql("""
                select coalesce(u.namespace, q.namespace), coalesce(u.bytes, 0), q.limit_bytes
                from (select namespace, sum(namespace_bytes) as bytes from usage_changes group by namespace) u
                full join namespace_quotas q on q.namespace = u.namespace
                where u.bytes > 0 or q.namespace is not null
                order by 1""")
                .query((rs, n) -> new NamespaceUsage(rs.getString(1), rs.getLong(2), (Long) rs.getObject(3)))
                .list();
    }

    /** Bytes of the whole site: each object once, however many namespaces hold it. */
    public long siteBytes() {
        drainAll();
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

    /** Sets the quota; its trigger counts the namespace's backlog first (V18, rule 4). */
    public void setQuota(String namespace, long limitBytes, String actor) {
        jdbc.sql("""
                insert into namespace_quotas (namespace, limit_bytes, updated_by) values (?, ?, ?)
                on conflict (namespace) do update
                set limit_bytes = excluded.limit_bytes, updated_by = excluded.updated_by, updated_at = now()""")
                .params(namespace, limitBytes, actor).update();
    }

    /**
     * Before a read: counts what the namespace's backlog holds (V18) if no push into it is under
     * way, else leaves it to the scheduled drain rather than wait for those pushes (or make new
     * ones wait behind this request).
     */
    private void drain(String namespace) {
        jdbc.sql("""
                select usage_try_drain(n.namespace) from (select ?::text as namespace) n
                where exists (select 1 from usage_backlog b where b.namespace = n.namespace)""")
                .param(namespace).query((rs, n) -> 1).list();
    }

    private void drainAll() {
        backlogNamespaces().forEach(this::drain);
    }

    private List<String> backlogNamespaces() {
        return jdbc.sql("select distinct namespace from usage_backlog order by 1").query(String.class).list();
    }

    /**
     * Counts each namespace's backlog, one namespace per statement, waiting for the pushes under
     * way in each; returns how many namespaces it drained.
     */
    public int drainBacklog() {
        List<String> namespaces = backlogNamespaces();
        namespaces.forEach(namespace -> jdbc.sql("select usage_drain(?)").param(namespace).query((rs, n) -> 1).list());
        return namespaces.size();
    }

    public boolean removeQuota(String namespace) {
        return jdbc.sql("delete from namespace_quotas where namespace = ?").param(namespace).update() > 0;
    }

    /**
     * Locks the namespace for a quota check until the transaction ends and returns its usage:
     * its usage lock in shared mode, which keeps deletes (exclusive) from changing the figures
     * until the commit, then its namespace_usage row, which serialises the quota checks of pushes
     * into it (pushes into namespaces without a quota take no row lock). The manifest being
     * pushed, if the repository has it, is share-locked first: a delete of it takes its row
     * before the usage lock, and so must we.
     */
    public long lockNamespace(String namespace, long repositoryId, String manifestDigest) {
        jdbc.sql("select 1 from manifests where repository_id = ? and digest = ? for share")
                .params(repositoryId, manifestDigest).query(Integer.class).optional();
        jdbc.sql("select 1 from (select usage_share_namespace(?)) as locked").param(namespace)
                .query((rs, n) -> 1).single();
        jdbc.sql("select usage_lock_namespace(?)").param(namespace).query((rs, n) -> 1).single();
        return jdbc.sql("select coalesce(sum(namespace_bytes), 0) from usage_changes where namespace = ?")
                .param(namespace).query(Long.class).single();
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

    /**
     * Folds the change rows of each namespace that has more than one per figure into one row per
     * figure: the namespace's (repository_id null) and each repository's. Safe beside pushes,
     * which only insert rows, and beside another replica's compaction, which skips the rows this
     * one deleted. Returns how many rows it folded.
     */
    public int compactChanges() {
        return jdbc.sql("""
                with crowded as (
                    select namespace from usage_changes group by namespace
                    having count(*) > count(distinct coalesce(repository_id, -1))),
                folded as (
                    delete from usage_changes c where c.namespace in (select namespace from crowded)
                    returning c.namespace, c.repository_id, c.repository_bytes, c.namespace_bytes),
                namespaces as (
                    insert into usage_changes (namespace, namespace_bytes)
                    select namespace, sum(namespace_bytes) from folded group by namespace
                    having sum(namespace_bytes) <> 0),
                repositories as (
                    insert into usage_changes (namespace, repository_id, repository_bytes)
                    select namespace, repository_id, sum(repository_bytes) from folded
                    where repository_id is not null group by namespace, repository_id
                    having sum(repository_bytes) <> 0)
                select count(*) from folded""").query(Integer.class).single();
    }

    /** Repositories after {@code afterId} with holder change rows waiting to be folded, at most {@code limit}. */
    public List<Long> repositoriesWithHolderChanges(long afterId, int limit) {
        return jdbc.sql("""
                select distinct repository_id from repository_usage_holder_changes where repository_id > ?
                order by 1 limit ?""").params(afterId, limit).query(Long.class).list();
    }

    /**
     * Folds the repository's holder change rows into its object rows. Call in a transaction: the
     * rows are locked FOR UPDATE first (as a delete of a holder locks them), which waits for the
     * pushes adding holders to commit; the fold is a later statement, which sees what they added.
     */
    public void foldHolderChanges(long repositoryId) {
        // exclusive, as a delete: no push of the namespace is halfway through its rows
        jdbc.sql("select 1 from (select usage_own_namespace(namespace) from repository_usage where repository_id = ?) as locked")
                .param(repositoryId).query(Integer.class).list();
        // only rows locked here: another object's changes may be being folded by a delete
        String[] locked = jdbc.sql("""
                select digest from repository_usage_objects
                where repository_id = ? and digest in (select digest from repository_usage_holder_changes
                                                      where repository_id = ?)
                order by digest for update""").params(repositoryId, repositoryId).query(String.class).list()
                .toArray(String[]::new);
        jdbc.sql("""
                with added as (
                    delete from repository_usage_holder_changes where repository_id = ? and digest = any (?)
                    returning digest, holders),
                per_object as (select digest, sum(holders)::int as n from added group by digest)
                update repository_usage_objects ro set holders = ro.holders + p.n from per_object p
                where ro.repository_id = ? and ro.digest = any (?) and ro.digest = p.digest""")
                .params(repositoryId, locked, repositoryId, locked).update();
    }

    /** Forgets the namespace of deleted repositories that no longer hold anything. */
    public int forgetDeletedRepositories() {
        return jdbc.sql("""
                delete from repository_usage ru
                where not exists (select 1 from repositories r where r.id = ru.repository_id)
                  and not exists (select 1 from repository_usage_objects ro where ro.repository_id = ru.repository_id)""")
                .update();
    }
}
