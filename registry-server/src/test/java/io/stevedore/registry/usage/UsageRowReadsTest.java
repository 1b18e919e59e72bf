package io.stevedore.registry.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the usage triggers read to lock the rows of a manifest's objects: only those rows, however
 * many the repository holds (V14). Counted by PostgreSQL's statistics of the current transaction,
 * which see only this connection's own work.
 */
class UsageRowReadsTest extends AuthRegistryTestSupport {
    private static final int MANIFESTS = 2_000;
    private static final String MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

    @Test
    void pushAndDeleteOfAManifestReadOnlyTheUsageRowsOfItsObjects() {
        JdbcClient jdbc = authContext().getBean(JdbcClient.class);
        String namespace = "reads-" + UUID.randomUUID().toString().substring(0, 8);
        // a quota, so that its pushes are counted at once (V18): the counting whose reads this measures
        jdbc.sql("insert into namespaces (name, kind) values (?, 'organization')").param(namespace).update();
        jdbc.sql("insert into namespace_quotas (namespace, limit_bytes) values (?, ?)").params(namespace, Long.MAX_VALUE)
                .update();
        long repository = jdbc.sql("insert into repositories (name) values (?) returning id")
                .param(namespace + "/app").query(Long.class).single();
        String[] shared = {digest(namespace + "config"), digest(namespace + "layer1"), digest(namespace + "layer2")};
        // each manifest with its references in one statement, as ManifestStore inserts them: the
        // usage trigger (V16) counts the references its statement inserted with the manifests
        jdbc.sql("""
                with m as (
                    insert into manifests (repository_id, digest, media_type, size, content)
                    select ?, 'sha256:' || encode(sha256(convert_to(? || g, 'UTF8')), 'hex'), ?, 700, '\\x00'
                    from generate_series(1, ?) g
                    returning id)
                insert into manifest_references (manifest_id, position, kind, digest, media_type, size)
                select m.id, r.ordinality - 1, case when r.ordinality = 1 then 'config' else 'layer' end, r.digest,
                       'application/octet-stream', 0
                from m, unnest(?::text[]) with ordinality as r(digest, ordinality)""")
                .params(repository, namespace, MEDIA_TYPE, MANIFESTS, shared).update();
        assertThat(jdbc.sql("select count(*) from repository_usage_objects where repository_id = ?")
                .param(repository).query(Long.class).single()).as("objects the repository holds").isEqualTo(MANIFESTS + 3);
        // Statistics as autovacuum keeps them: a planner that knows the table is large. (On a
        // table of a few pages a sequential scan is the cheaper plan and reads every row.)
        jdbc.sql("analyze repository_usage_objects, repository_usage_holder_changes, namespace_usage_objects").update();

        new TransactionTemplate(authContext().getBean(PlatformTransactionManager.class))
                .executeWithoutResult(status -> {
                    long before = usageRowsRead(jdbc);
                    long manifest = insertManifest(jdbc, repository, digest(namespace + "one more"), shared);
                    long afterPush = usageRowsRead(jdbc);
                    jdbc.sql("delete from manifests where id = ?").param(manifest).update();
                    long afterDelete = usageRowsRead(jdbc);
                    status.setRollbackOnly();

                    // the repository holds 2,003 objects; the manifest has 4 (itself, a config, two layers)
                    // at least the three rows of the objects the repository holds already, which it locks
                    assertThat(afterPush - before).as("usage rows read by the push").isBetween(3L, 39L);
                    assertThat(afterDelete - afterPush).as("usage rows read by the delete").isLessThan(40);
                });
    }

    /**
     * Each usage trigger function plans with sequential scans off (V16): a new registry's empty
     * tables made a scan of manifests the cheaper plan for a trigger's join, each pooled
     * connection cached it, and every push read the whole table until the first autoanalyze. A
     * later {@code create or replace function} drops the setting unless it says it again.
     * (Provoking the scan here would need statistics of empty tables; pricing index reads out
     * instead also turns the foreign keys' own checks into scans.)
     */
    @Test
    void everyUsageTriggerFunctionPlansWithoutSequentialScans() {
        JdbcClient jdbc = authContext().getBean(JdbcClient.class);
        // each usage trigger function, and whether it plans without sequential scans
        Map<String, Boolean> functions = new TreeMap<>();
        jdbc.sql("""
                select distinct p.proname, coalesce(p.proconfig, '{}') @> array['enable_seqscan=off']
                from pg_trigger t join pg_proc p on p.oid = t.tgfoid
                where not t.tgisinternal and p.proname like 'usage%'""")
                .query(rs -> { functions.put(rs.getString(1), rs.getBoolean(2)); });
        List<String> withoutTheSetting = functions.keySet().stream().filter(f -> !functions.get(f)).toList();

        assertThat(functions).as("the usage triggers' functions").hasSizeGreaterThanOrEqualTo(3);
        assertThat(withoutTheSetting).as("usage trigger functions planning with sequential scans").isEmpty();
    }

    /**
     * A single-request upload ({@code POST ?digest=}) checks its namespace's quota; a namespace
     * without one has nothing to check, and its usage change rows are not summed for it.
     */
    @Test
    void anUploadsQuotaCheckSumsUsageRowsOnlyWhereTheNamespaceHasAQuota() {
        JdbcClient jdbc = authContext().getBean(JdbcClient.class);
        Quotas quotas = authContext().getBean(Quotas.class);
        String free = "free-" + UUID.randomUUID().toString().substring(0, 8);
        String limited = "limited-" + UUID.randomUUID().toString().substring(0, 8);
        for (String namespace : List.of(free, limited)) {
            jdbc.sql("insert into usage_changes (namespace, namespace_bytes) values (?, 100)").param(namespace).update();
        }
        jdbc.sql("insert into namespaces (name, kind) values (?, 'organization')").param(limited).update();
        jdbc.sql("insert into namespace_quotas (namespace, limit_bytes) values (?, 1000)").param(limited).update();

        new TransactionTemplate(authContext().getBean(PlatformTransactionManager.class))
                .executeWithoutResult(status -> {
                    long before = usageChangeScans(jdbc);
                    quotas.admitUpload(RepositoryName.of(free + "/app"));
                    long afterFree = usageChangeScans(jdbc);
                    quotas.admitUpload(RepositoryName.of(limited + "/app"));
                    long afterLimited = usageChangeScans(jdbc);
                    status.setRollbackOnly();

                    assertThat(afterFree - before).as("scans of usage_changes without a quota").isZero();
                    assertThat(afterLimited - afterFree).as("scans of usage_changes with a quota").isPositive();
                });
        jdbc.sql("update namespace_quotas set limit_bytes = 100 where namespace = ?").param(limited).update();
        assertThatThrownBy(() -> quotas.admitUpload(RepositoryName.of(limited + "/app")))
                .as("a namespace at its quota").isInstanceOf(QuotaExceededException.class);
    }

    /** Scans of usage_changes this transaction has started, through an index or sequentially. */
    private static long usageChangeScans(JdbcClient jdbc) {
        return jdbc.sql("""
                select coalesce(sum(coalesce(idx_scan, 0) + seq_scan), 0) from pg_stat_xact_user_tables
                where relname = 'usage_changes'""").query(Long.class).single();
    }

    /** Rows of repository_usage_objects this transaction has fetched, through an index or by a sequential scan. */
    private static long usageRowsRead(JdbcClient jdbc) {
        return jdbc.sql("""
                select coalesce(sum(idx_tup_fetch + seq_tup_read), 0) from pg_stat_xact_user_tables
                where relname = 'repository_usage_objects'""").query(Long.class).single();
    }

    private static String digest(String seed) {
        return Digest.sha256(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** What ManifestStore.insert does, in SQL: the row and its references in one statement. */
    private static long insertManifest(JdbcClient jdbc, long repository, String digest, String[] references) {
        return jdbc.sql("""
                with m as (
                    insert into manifests (repository_id, digest, media_type, size, content)
                    values (?, ?, ?, 700, '\\x00') returning id),
                referenced as (
                    insert into manifest_references (manifest_id, position, kind, digest, media_type, size)
                    select m.id, r.ordinality - 1, case when r.ordinality = 1 then 'config' else 'layer' end, r.digest,
                           'application/octet-stream', 0
                    from m, unnest(?::text[]) with ordinality as r(digest, ordinality))
                select id from m""")
                .params(repository, digest, MEDIA_TYPE, references).query(Long.class).single();
    }
}
