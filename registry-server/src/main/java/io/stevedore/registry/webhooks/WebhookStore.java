package io.stevedore.registry.webhooks;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * @param namespace    or {@code repository}: exactly one is non-null
     * @param sealedSecret the secret sealed ({@link WebhookSecrets}); only that form is kept
     */
    Webhook insert(String namespace, String repository, String url, byte[] sealedSecret, List<String> events,
                   boolean enabled, String createdBy) {
        return jdbc.sql("insert into webhooks (namespace, repository, url, sealed_secret, events, enabled, created_by)"
                        + " values (?, ?, ?, ?, cast(? as text[]), ?, ?) returning " + COLUMNS)
                .params(namespace, repository, url, sealedSecret, events.toArray(String[]::new), enabled, createdBy)
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

    /** Changes what is non-null; a new secret replaces the old one, sealed or not. */
    Optional<Webhook> update(long id, String url, byte[] sealedSecret, List<String> events, Boolean enabled) {
        return jdbc.sql("""
                update webhooks set url = coalesce(cast(? as text), url),
                       sealed_secret = coalesce(cast(? as bytea), sealed_secret),
                       secret = case when cast(? as bytea) is null then secret end,
                       events = coalesce(cast(? as text[]), events), enabled = coalesce(cast(? as boolean), enabled)
                 where id = ? returning \s""" + COLUMNS)
                .params(url, sealedSecret, sealedSecret, events == null ? null : events.toArray(String[]::new), enabled,
                        id)
                .query(WEBHOOK).optional();
    }

    /** Webhook ids with the plain secrets kept before V15 (or written since by a replica not yet upgraded). */
    Map<Long, String> plainSecrets() {
        Map<Long, String> plain = new LinkedHashMap<>();
        jdbc.sql("select id, secret from webhooks where secret is not null order by id")
                .query(rs -> { plain.put(rs.getLong(1), rs.getString(2)); });
        return plain;
    }

    /** Replaces the webhook's plain secret by its sealed form, unless the secret changed meanwhile. */
    void seal(long id, String plain, byte[] sealed) {
        jdbc.sql("update webhooks set sealed_secret = ?, secret = null where id = ? and secret = ?")
                .params(sealed, id, plain).update();
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
