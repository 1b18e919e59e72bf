package io.stevedore.registry.webhooks;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.postgresql.util.PGInterval;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The delivery queue: events, one delivery per event and webhook, and each delivery's attempts.
 * Deliverers on every replica claim due deliveries with {@code FOR UPDATE SKIP LOCKED}; a claim
 * is a lease (the delivery's next attempt moves past it), so a replica that dies mid-delivery
 * only delays it.
 */
@Repository
class DeliveryStore {
    private final JdbcClient jdbc;
    private final WebhookSecrets secrets;

    DeliveryStore(JdbcClient jdbc, WebhookSecrets secrets) {
        this.jdbc = jdbc;
        this.secrets = secrets;
    }

    /** A delivery claimed for one attempt, with what it takes to send it; {@code secret} null if unopenable. */
    record Claimed(long id, int attempt, Instant createdAt, long webhookId, String url, String secret,
                   String eventType, String payload) {
    }

    /** One attempt: the status code (null when none came), its latency, the error, the response's first bytes. */
    record Attempt(int attempt, Instant startedAt, Integer responseCode, long latencyMs, String error,
                   String responseBody) {
    }

    /**
     * One event to one webhook and what became of it; responseCode, latencyMs and error are the
     * last attempt's.
     *
     * @param status        {@code pending}, {@code succeeded} or {@code failed}
     * @param nextAttemptAt when it is tried again, while pending
     */
    record Delivery(long id, long webhookId, String event, String type, String status, Integer responseCode,
                    Long latencyMs, String error, Instant createdAt, Instant nextAttemptAt, Instant finishedAt,
                    Long redeliveryOf, List<Attempt> attempts) {
    }

    /**
     * Records the event for every enabled webhook of its namespace or repository that subscribes
     * to its type, in one statement (and nothing at all when none does). Runs in the caller's
     * transaction: the event exists exactly when the change it describes does.
     *
     * @return how many deliveries were queued
     */
    int insertEvent(UUID id, WebhookEvent event, String payload) {
        return jdbc.sql("""
                with hooks as (
                    select id from webhooks
                     where enabled and ? = any (events) and (namespace = ? or repository = ?)
                ), event as (
                    insert into webhook_events (uuid, type, namespace, repository, payload)
                    select ?, ?, ?, ?, ? where exists (select 1 from hooks)
                    returning id
                )
                insert into webhook_deliveries (webhook_id, event_id)
                select hooks.id, event.id from hooks, event""")
                .params(event.type(), event.namespace(), event.repository(),
                        id, event.type(), event.namespace(), event.repository(), payload)
                .update();
    }

    /** Queues an event for one webhook, whatever it subscribes to (a ping); the delivery's id. */
    long insertEventFor(long webhookId, UUID id, WebhookEvent event, String payload) {
        return jdbc.sql("""
                with event as (
                    insert into webhook_events (uuid, type, namespace, repository, payload)
                    values (?, ?, ?, ?, ?) returning id
                )
                insert into webhook_deliveries (webhook_id, event_id) select ?, id from event returning id""")
                .params(id, event.type(), event.namespace(), event.repository(), payload, webhookId)
                .query(Long.class).single();
    }

    /**
     * Ends, as failed, due deliveries that are out of attempts or too old (their last claim was
     * lost with its replica); how many.
     */
    int expire(int maxAttempts, Duration maxAge) {
        return jdbc.sql("""
                update webhook_deliveries set status = 'failed', finished_at = now()
                 where status = 'pending' and next_attempt_at <= now()
                   and (attempts >= ? or created_at < now() - ?)""")
                .params(maxAttempts, interval(maxAge)).update();
    }

    /** Claims up to {@code limit} due deliveries of enabled webhooks for {@code lease}, oldest due first. */
    List<Claimed> claim(int limit, Duration lease) {
        return jdbc.sql("""
                update webhook_deliveries d set attempts = d.attempts + 1, next_attempt_at = now() + ?
                  from webhooks w, webhook_events e
                 where d.id in (select d2.id from webhook_deliveries d2 join webhooks w2 on w2.id = d2.webhook_id
                                 where d2.status = 'pending' and d2.next_attempt_at <= now() and w2.enabled
                                 order by d2.next_attempt_at limit ? for update of d2 skip locked)
                   and w.id = d.webhook_id and e.id = d.event_id
                returning d.id, d.attempts, d.created_at, w.id, w.url, w.sealed_secret, w.secret, e.type, e.payload""")
                .params(interval(lease), limit)
                .query((rs, n) -> new Claimed(rs.getLong(1), rs.getInt(2), rs.getTimestamp(3).toInstant(),
                        rs.getLong(4), rs.getString(5), secrets.open(rs.getBytes(6), rs.getString(7)), rs.getString(8),
                        rs.getString(9)))
                .list();
    }

    /**
     * Records an attempt and what follows it: {@code status} succeeded or failed ends the
     * delivery, pending retries it at {@code retryAt}. A deliverer whose claim was overtaken
     * (its lease ran out and another replica claimed it again) records its attempt but changes
     * nothing else.
     */
    void recordAttempt(long deliveryId, Attempt attempt, String status, Instant retryAt) {
        jdbc.sql("""
                insert into webhook_attempts (delivery_id, attempt, started_at, response_code, latency_ms, error,
                                              response_body)
                values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing""")
                .params(deliveryId, attempt.attempt(), Timestamp.from(attempt.startedAt()), attempt.responseCode(),
                        attempt.latencyMs(), attempt.error(), attempt.responseBody())
                .update();
        jdbc.sql("""
                update webhook_deliveries
                   set status = ?, next_attempt_at = coalesce(?, next_attempt_at),
                       finished_at = case when ? = 'pending' then null else now() end
                 where id = ? and attempts = ? and status = 'pending'""")
                .params(status, retryAt == null ? null : Timestamp.from(retryAt), status, deliveryId,
                        attempt.attempt())
                .update();
    }

    /** The webhook's deliveries with ids below {@code before} (null: from the newest), newest first. */
    List<Delivery> page(long webhookId, Long before, int limit) {
        List<Delivery> deliveries = jdbc.sql(DELIVERY
                        + " where d.webhook_id = ? and d.id < ? order by d.id desc limit ?")
                .params(webhookId, before == null ? Long.MAX_VALUE : before, limit)
                .query((rs, n) -> delivery(rs, List.of())).list();
        return withAttempts(deliveries);
    }

    Optional<Delivery> find(long webhookId, long deliveryId) {
        return jdbc.sql(DELIVERY + " where d.webhook_id = ? and d.id = ?").params(webhookId, deliveryId)
                .query((rs, n) -> delivery(rs, List.of())).optional()
                .map(d -> withAttempts(List.of(d)).getFirst());
    }

    Optional<String> payload(long deliveryId) {
        return jdbc.sql("select e.payload from webhook_deliveries d join webhook_events e on e.id = d.event_id"
                + " where d.id = ?").param(deliveryId).query(String.class).optional();
    }

    /** A new delivery of the same event to the same webhook, due now; its id. */
    Optional<Long> redeliver(long webhookId, long deliveryId) {
        return jdbc.sql("""
                insert into webhook_deliveries (webhook_id, event_id, redelivery_of)
                select webhook_id, event_id, id from webhook_deliveries where webhook_id = ? and id = ?
                returning id""").params(webhookId, deliveryId).query(Long.class).optional();
    }

    /** Deletes deliveries that ended before {@code cutoff}, and events no delivery needs; how many deliveries. */
    int deleteEndedBefore(Instant cutoff) {
        int deleted = jdbc.sql("delete from webhook_deliveries where finished_at < ?")
                .param(Timestamp.from(cutoff)).update();
        jdbc.sql("""
                delete from webhook_events e where e.created_at < ?
                   and not exists (select 1 from webhook_deliveries d where d.event_id = e.id)""")
                .param(Timestamp.from(cutoff)).update();
        return deleted;
    }

    int pending() {
        return jdbc.sql("select count(*) from webhook_deliveries where status = 'pending'")
                .query(Integer.class).single();
    }

    private static final String DELIVERY = """
            select d.id, d.webhook_id, e.uuid, e.type, d.status, d.created_at, d.next_attempt_at, d.finished_at,
                   d.redelivery_of
              from webhook_deliveries d join webhook_events e on e.id = d.event_id""";

    private static Delivery delivery(ResultSet rs, List<Attempt> attempts) throws SQLException {
        String status = rs.getString("status");
        return new Delivery(rs.getLong("id"), rs.getLong("webhook_id"), rs.getString("uuid"), rs.getString("type"),
                status, null, null, null, rs.getTimestamp("created_at").toInstant(),
                "pending".equals(status) ? rs.getTimestamp("next_attempt_at").toInstant() : null,
                instant(rs.getTimestamp("finished_at")), rs.getObject("redelivery_of", Long.class),
                attempts);
    }

    private List<Delivery> withAttempts(List<Delivery> deliveries) {
        if (deliveries.isEmpty()) {
            return deliveries;
        }
        Map<Long, List<Attempt>> byDelivery = new LinkedHashMap<>();
        deliveries.forEach(d -> byDelivery.put(d.id(), new ArrayList<>()));
        jdbc.sql("""
                select delivery_id, attempt, started_at, response_code, latency_ms, error, response_body
                  from webhook_attempts where delivery_id = any (?) order by delivery_id, attempt""")
                .param(byDelivery.keySet().toArray(Long[]::new))
                .query((rs, n) -> {
                    int code = rs.getInt("response_code");
                    Integer responseCode = rs.wasNull() ? null : code;
                    byDelivery.get(rs.getLong("delivery_id")).add(new Attempt(rs.getInt("attempt"),
                            rs.getTimestamp("started_at").toInstant(), responseCode, rs.getLong("latency_ms"),
                            rs.getString("error"), rs.getString("response_body")));
                    return null;
                })
                .list();
        return deliveries.stream().map(d -> {
            List<Attempt> attempts = byDelivery.get(d.id());
            Attempt last = attempts.isEmpty() ? null : attempts.getLast();
            return new Delivery(d.id(), d.webhookId(), d.event(), d.type(), d.status(),
                    last == null ? null : last.responseCode(), last == null ? null : last.latencyMs(),
                    last == null ? null : last.error(), d.createdAt(), d.nextAttemptAt(), d.finishedAt(),
                    d.redeliveryOf(), List.copyOf(attempts));
        }).toList();
    }

    private static Instant instant(Timestamp at) {
        return at == null ? null : at.toInstant();
    }

    private static PGInterval interval(Duration duration) {
        try {
            return new PGInterval(duration.toMillis() / 1000.0 + " seconds");
        } catch (SQLException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
