package io.stevedore.registry.retention;

import io.stevedore.json.Json;
import io.stevedore.registry.retention.RetentionPlan.ManifestRow;
import io.stevedore.registry.retention.RetentionPlan.TagRow;
import io.stevedore.registry.retention.RetentionPolicy.KeepRule;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;

/** Retention policies, and what a retention run reads of a repository (read only: deletions go through the metadata stores). */
@Repository
class RetentionStore {
    private static final TypeReference<List<KeepRule>> KEEP_RULES = new TypeReference<>() {
    };
    private final JdbcClient jdbc;

    RetentionStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void put(Target target, RetentionPolicy policy, String updatedBy) {
        jdbc.sql("""
                insert into retention_policies (kind, target, keep_rules, protect, untagged_older_than, updated_by)
                values (?, ?, cast(? as jsonb), ?, make_interval(secs => cast(? as double precision)), ?)
                on conflict (kind, target) do update
                set keep_rules = excluded.keep_rules, protect = excluded.protect,
                    untagged_older_than = excluded.untagged_older_than, updated_by = excluded.updated_by,
                    updated_at = now()""")
                .params(target.kind().wireName(), target.name(), Json.MAPPER.writeValueAsString(policy.keep()),
                        policy.protect().toArray(String[]::new),
                        policy.untaggedOlderThan() == null ? null : (double) policy.untaggedOlderThan().toSeconds(),
                        updatedBy)
                .update();
    }

    Optional<RetentionPolicy.Stored> find(Target target) {
        return jdbc.sql(SELECT + " where kind = ? and target = ?")
                .params(target.kind().wireName(), target.name()).query(RetentionStore::stored).optional();
    }

    List<RetentionPolicy.Stored> all() {
        return jdbc.sql(SELECT + " order by kind, target").query(RetentionStore::stored).list();
    }

    boolean delete(Target target) {
        return jdbc.sql("delete from retention_policies where kind = ? and target = ?")
                .params(target.kind().wireName(), target.name()).update() > 0;
    }

    void recordRun(Target target, int tags, int manifests) {
        jdbc.sql("""
                update retention_policies set last_run_at = now(), last_run_tags = ?, last_run_manifests = ?
                where kind = ? and target = ?""")
                .params(tags, manifests, target.kind().wireName(), target.name()).update();
    }

    /** The database's clock, which wrote every push time. */
    Instant now() {
        return jdbc.sql("select now()").query(Timestamp.class).single().toInstant();
    }

    /** The repositories of the namespace, in name order. */
    List<String> repositoriesOf(String namespace) {
        return jdbc.sql("select name from repositories where split_part(name, '/', 1) = ? order by name")
                .param(namespace).query(String.class).list();
    }

    Optional<Long> repositoryId(String repository) {
        return jdbc.sql("select id from repositories where name = ?").param(repository).query(Long.class).optional();
    }

    List<TagRow> tags(long repositoryId) {
        return jdbc.sql("""
                select t.name, m.digest, t.updated_at from tags t join manifests m on m.id = t.manifest_id
                where t.repository_id = ?""")
                .param(repositoryId)
                .query((rs, n) -> new TagRow(rs.getString(1), rs.getString(2), instant(rs, 3))).list();
    }

    List<ManifestRow> manifests(long repositoryId) {
        return jdbc.sql("""
                select digest, media_type, subject_digest, created_at from manifests where repository_id = ?""")
                .param(repositoryId)
                .query((rs, n) -> new ManifestRow(rs.getString(1), rs.getString(2), rs.getString(3), instant(rs, 4)))
                .list();
    }

    /** Each index's child manifests, by digest. */
    Map<String, List<String>> children(long repositoryId) {
        Map<String, List<String>> children = new HashMap<>();
        jdbc.sql("""
                select m.digest, r.digest from manifest_references r join manifests m on m.id = r.manifest_id
                where m.repository_id = ? and r.kind = 'manifest'""")
                .param(repositoryId)
                .query(rs -> {
                    children.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                });
        return children;
    }

    private static final String SELECT = """
            select kind, target, keep_rules::text, protect, extract(epoch from untagged_older_than)::bigint,
                   updated_by, updated_at, last_run_at, last_run_tags, last_run_manifests
            from retention_policies""";

    private static RetentionPolicy.Stored stored(ResultSet rs, int row) throws SQLException {
        long seconds = rs.getLong(5);
        Duration untagged = rs.wasNull() ? null : Duration.ofSeconds(seconds);
        RetentionPolicy policy = new RetentionPolicy(Json.MAPPER.readValue(rs.getString(3), KEEP_RULES),
                strings(rs.getArray(4)), untagged);
        return new RetentionPolicy.Stored(
                new Target(Target.Kind.valueOf(rs.getString(1).toUpperCase(java.util.Locale.ROOT)), rs.getString(2)),
                policy, rs.getString(6), instant(rs, 7), instant(rs, 8),
                (Integer) rs.getObject(9), (Integer) rs.getObject(10));
    }

    static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return at == null ? null : at.toInstant();
    }
}
