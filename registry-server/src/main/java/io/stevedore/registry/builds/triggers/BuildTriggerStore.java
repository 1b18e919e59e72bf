package io.stevedore.registry.builds.triggers;

import io.stevedore.json.Json;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Build triggers and the deliveries their webhooks received, in PostgreSQL. */
@Repository
class BuildTriggerStore {
    private static final String COLUMNS = """
            id, repository, git_url, branches, tags, dockerfile, subdir, tag_templates, latest_on_default_branch,
            build_args, platforms, git_secret is not null as private_repository, created_by, created_at, enabled""";
    private static final String DELIVERY_COLUMNS = "delivery_id, received_at, ref, sha, outcome, reason, build_id";

    private static final RowMapper<BuildTrigger> TRIGGER = BuildTriggerStore::trigger;
    private static final RowMapper<Delivery> DELIVERY = BuildTriggerStore::delivery;

    private final JdbcClient jdbc;

    BuildTriggerStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The secrets of a trigger, sealed with the build service's key. */
    record SealedSecrets(byte[] webhook, byte[] git) {
    }

    /**
     * A delivery as the log shows it.
     *
     * @param outcome {@code queued} or {@code ignored} (with the reason)
     * @param buildId the build it queued, or null
     */
    record Delivery(String deliveryId, Instant receivedAt, String ref, String sha, String outcome, String reason,
                    Long buildId) {
    }

    /** Stores the trigger (its id, creation time and private flag are the database's) and returns its id. */
    long insert(BuildTrigger trigger, SealedSecrets secrets) {
        return jdbc.sql("""
                insert into build_triggers (repository, git_url, branches, tags, dockerfile, subdir, tag_templates,
                       latest_on_default_branch, build_args, platforms, webhook_secret, git_secret, created_by, enabled)
                values (?, ?, cast(? as text[]), cast(? as text[]), ?, ?, cast(? as text[]), ?, cast(? as jsonb),
                        cast(? as text[]), ?, ?, ?, ?) returning id""")
                .params(trigger.repository(), trigger.gitUrl(), array(trigger.branches()), array(trigger.tags()),
                        trigger.dockerfile(), trigger.subdir(), array(trigger.tagTemplates()),
                        trigger.latestOnDefaultBranch(), Json.MAPPER.writeValueAsString(trigger.buildArgs()),
                        array(trigger.platforms()), secrets.webhook(), secrets.git(), trigger.createdBy(),
                        trigger.enabled())
                .query(Long.class).single();
    }

    Optional<BuildTrigger> find(long id) {
        return jdbc.sql("select " + COLUMNS + " from build_triggers where id = ?").param(id).query(TRIGGER).optional();
    }

    List<BuildTrigger> list(String repository) {
        return jdbc.sql("select " + COLUMNS + " from build_triggers where repository = ? order by id")
                .param(repository).query(TRIGGER).list();
    }

    Optional<SealedSecrets> secrets(long id) {
        return jdbc.sql("select webhook_secret, git_secret from build_triggers where id = ?").param(id)
                .query((rs, n) -> new SealedSecrets(rs.getBytes(1), rs.getBytes(2))).optional();
    }

    boolean setEnabled(long id, boolean enabled) {
        return jdbc.sql("update build_triggers set enabled = ? where id = ?").params(enabled, id).update() > 0;
    }

    /** Deletes the trigger and its delivery log (its builds stay). */
    boolean delete(long id) {
        return jdbc.sql("delete from build_triggers where id = ?").param(id).update() > 0;
    }

    /**
     * Claims the delivery id for this delivery: empty when it is new (the caller goes on, and
     * {@link #complete}s it in the same transaction), else the delivery that had it first. A second
     * delivery arriving while the first one's transaction is open waits for it on the primary key,
     * so it sees the first one's outcome and never queues a second build.
     */
    Optional<Delivery> claim(long triggerId, String deliveryId, String ref, String sha) {
        int inserted = jdbc.sql("""
                insert into build_trigger_deliveries (trigger_id, delivery_id, ref, sha, outcome)
                values (?, ?, ?, ?, 'received') on conflict (trigger_id, delivery_id) do nothing""")
                .params(triggerId, deliveryId, ref, sha).update();
        if (inserted == 1) {
            return Optional.empty();
        }
        return jdbc.sql("select " + DELIVERY_COLUMNS + " from build_trigger_deliveries"
                        + " where trigger_id = ? and delivery_id = ?")
                .params(triggerId, deliveryId).query(DELIVERY).optional();
    }

    void complete(long triggerId, String deliveryId, String outcome, String reason, Long buildId) {
        jdbc.sql("""
                update build_trigger_deliveries set outcome = ?, reason = ?, build_id = ?
                 where trigger_id = ? and delivery_id = ?""")
                .params(outcome, reason, buildId, triggerId, deliveryId).update();
    }

    /** The latest deliveries, newest first. */
    List<Delivery> deliveries(long triggerId, int limit) {
        return jdbc.sql("select " + DELIVERY_COLUMNS + " from build_trigger_deliveries where trigger_id = ?"
                        + " order by received_at desc, delivery_id limit ?")
                .params(triggerId, limit).query(DELIVERY).list();
    }

    private static String[] array(List<String> values) {
        return values.toArray(String[]::new);
    }

    private static List<String> list(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }

    private static BuildTrigger trigger(ResultSet rs, int row) throws SQLException {
        @SuppressWarnings("unchecked")
        Map<String, String> buildArgs = Json.MAPPER.readValue(rs.getString("build_args"), Map.class);
        return new BuildTrigger(rs.getLong("id"), rs.getString("repository"), rs.getString("git_url"),
                list(rs.getArray("branches")), list(rs.getArray("tags")), rs.getString("dockerfile"),
                rs.getString("subdir"), list(rs.getArray("tag_templates")), rs.getBoolean("latest_on_default_branch"),
                buildArgs, list(rs.getArray("platforms")), rs.getBoolean("private_repository"),
                rs.getString("created_by"), rs.getTimestamp("created_at").toInstant(), rs.getBoolean("enabled"));
    }

    private static Delivery delivery(ResultSet rs, int row) throws SQLException {
        Timestamp at = rs.getTimestamp("received_at");
        long build = rs.getLong("build_id");
        Long buildId = rs.wasNull() ? null : build;
        return new Delivery(rs.getString("delivery_id"), at.toInstant(), rs.getString("ref"), rs.getString("sha"),
                rs.getString("outcome"), rs.getString("reason"), buildId);
    }
}
