package io.stevedore.registry.webhooks;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The webhooks table: who listens where, for what. */
@Repository
class WebhookStore {
    private static final String COLUMNS = "id, namespace, repository, url, events, enabled, created_by, created_at";
    private static final RowMapper<Webhook> WEBHOOK = WebhookStore::webhook;

    private final JdbcClient jdbc;

    WebhookStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** @param namespace or {@code repository}: exactly one is non-null */
    Webhook insert(String namespace, String repository, String url, String secret, List<String> events,
                   boolean enabled, String createdBy) {
        return jdbc.sql("insert into webhooks (namespace, repository, url, secret, events, enabled, created_by)"
                        + " values (?, ?, ?, ?, cast(? as text[]), ?, ?) returning " + COLUMNS)
                .params(namespace, repository, url, secret, events.toArray(String[]::new), enabled, createdBy)
                .query(WEBHOOK).single();
    }

    Optional<Webhook> find(long id) {
        return jdbc.sql("select " + COLUMNS + " from webhooks where id = ?").param(id).query(WEBHOOK).optional();
    }

    /** The webhooks of exactly this namespace (not of its repositories). */
    List<Webhook> ofNamespace(String namespace) {
        return jdbc.sql("select " + COLUMNS + " from webhooks where namespace = ? order by id").param(namespace)
                .query(WEBHOOK).list();
    }

    List<Webhook> ofRepository(String repository) {
        return jdbc.sql("select " + COLUMNS + " from webhooks where repository = ? order by id").param(repository)
                .query(WEBHOOK).list();
    }

    /** Changes what is non-null. */
    Optional<Webhook> update(long id, String url, String secret, List<String> events, Boolean enabled) {
        return jdbc.sql("""
                update webhooks set url = coalesce(cast(? as text), url), secret = coalesce(cast(? as text), secret),
                       events = coalesce(cast(? as text[]), events), enabled = coalesce(cast(? as boolean), enabled)
                 where id = ? returning \s""" + COLUMNS)
                .params(url, secret, events == null ? null : events.toArray(String[]::new), enabled, id)
                .query(WEBHOOK).optional();
    }

    /** Deletes it with its delivery log. */
    boolean delete(long id) {
        return jdbc.sql("delete from webhooks where id = ?").param(id).update() > 0;
    }

    private static Webhook webhook(ResultSet rs, int row) throws SQLException {
        Array events = rs.getArray("events");
        return new Webhook(rs.getLong("id"), rs.getString("namespace"), rs.getString("repository"),
                rs.getString("url"), List.of((String[]) events.getArray()), rs.getBoolean("enabled"),
                rs.getString("created_by"), rs.getTimestamp("created_at").toInstant());
    }
}
