package io.stevedore.registry.builds;

import io.stevedore.json.Json;
import io.stevedore.registry.webhooks.WebhookEvent;
import io.stevedore.registry.webhooks.WebhookEvents;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The build queue in PostgreSQL: builds, their leases and their log lines. Every write a worker
 * makes names the attempt (lease) it holds and changes nothing once that lease has moved on, so a
 * worker that was given up for dead cannot touch the build another worker now runs.
 */
@Repository
public class BuildStore {
    /** After this many lost leases a build fails instead of killing yet another worker. */
    static final int MAX_ATTEMPTS = 3;

    private static final String COLUMNS = """
            id, repository, spec, status, step, submitted_by, created_at, started_at, finished_at, attempt,
            worker, cancel_requested, digest, error, log_lines""";

    private static final RowMapper<Build> BUILD = BuildStore::build;

    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final WebhookEvents webhooks;

    public BuildStore(JdbcClient jdbc, TransactionTemplate transaction, WebhookEvents webhooks) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.webhooks = webhooks;
    }

    /** A lease just taken: the build and its sealed secrets. */
    public record Lease(Build build, byte[] sealedSecrets) {
    }

    /** One log line and its number (from 1). */
    public record LogLine(int number, String text) {
    }

    /** The repository, spec and credential of a build whose lease is current. */
    public record Running(long id, int attempt, String repository, BuildSpec spec, String submittedBy,
                          byte[] credentialHash) {
    }

    public long insert(String repository, BuildSpec spec, byte[] sealedSecrets, String submittedBy, String clientAddress) {
        return transaction.execute(status -> {
            long id = jdbc.sql("""
                    insert into builds (repository, spec, secrets, submitted_by, client_address)
                    values (?, cast(? as jsonb), ?, ?, ?) returning id""")
                    .params(repository, Json.MAPPER.writeValueAsString(spec), sealedSecrets, submittedBy, clientAddress)
                    .query(Long.class).single();
            announce(id);
            return id;
        });
    }

    /** Tells webhooks of the build's status, in the transaction that set it. */
    private void announce(long id) {
        find(id).ifPresent(this::announce);
    }

    private void announce(Build build) {
        webhooks.record(WebhookEvent.build(build.submittedBy(), build.repository(), build.id(),
                build.status().wireName(), build.attempt(), build.spec().tags(), build.digest(), build.error()));
    }

    public Optional<Build> find(long id) {
        return jdbc.sql("select " + COLUMNS + " from builds where id = ?").param(id).query(BUILD).optional();
    }

    /** The repository's builds, newest first, those older than {@code before} (null: from the newest). */
    public List<Build> history(String repository, Long before, int limit) {
        return jdbc.sql("select " + COLUMNS + " from builds where repository = ? and id < ? order by id desc limit ?")
                .params(repository, before == null ? Long.MAX_VALUE : before, limit).query(BUILD).list();
    }

    /**
     * Leases the oldest build that is queued or whose lease expired, to {@code worker}. A build
     * whose lease expired after a cancel ends cancelled; one that lost {@value #MAX_ATTEMPTS}
     * leases ends failed; neither is handed out.
     */
    public Optional<Lease> lease(String worker, Duration leaseTimeout, byte[] credentialHash) {
        return transaction.execute(status -> {
            while (true) {
                Optional<Build> next = jdbc.sql("select " + COLUMNS + """
                         from builds
                        where status = 'queued' or (status = 'running' and lease_expires_at < now())
                        order by id limit 1 for update skip locked""").query(BUILD).optional();
                if (next.isEmpty()) {
                    return Optional.<Lease>empty();
                }
                Build build = next.get();
                if (build.status() == BuildStatus.RUNNING) {
                    if (build.cancelRequested()) {
                        end(build.id(), BuildStatus.CANCELLED, null, null);
                        continue;
                    }
                    if (build.attempt() >= MAX_ATTEMPTS) {
                        appendSystemLine(build.id(), "--- worker " + build.worker() + " stopped reporting; "
                                + "the build lost " + build.attempt() + " workers and is given up ---");
                        end(build.id(), BuildStatus.FAILED, null,
                                "the build's worker stopped reporting " + build.attempt() + " times");
                        continue;
                    }
                    appendSystemLine(build.id(), "--- worker " + build.worker() + " stopped reporting; "
                            + "restarting on worker " + worker + " (attempt " + (build.attempt() + 1) + ") ---");
                }
                return jdbc.sql("""
                        update builds set status = 'running', attempt = attempt + 1, worker = ?,
                               lease_expires_at = now() + ?, started_at = coalesce(started_at, now()),
                               credential_hash = ?, step = null
                         where id = ?
                        returning secrets, """ + COLUMNS)
                        .params(worker, interval(leaseTimeout), credentialHash, build.id())
                        .query((rs, n) -> new Lease(build(rs, n), rs.getBytes("secrets"))).optional()
                        .map(lease -> {
                            announce(lease.build());
                            return lease;
                        });
            }
        });
    }

    /**
     * Extends the lease; empty when the attempt no longer holds it, else whether a cancel was asked for.
     *
     * @param step the step the build is at now, or null to keep the last one
     */
    public Optional<Boolean> heartbeat(long id, int attempt, String step, Duration leaseTimeout) {
        return jdbc.sql("""
                update builds set lease_expires_at = now() + ?, step = coalesce(?, step)
                 where id = ? and attempt = ? and status = 'running'
                returning cancel_requested""")
                .params(interval(leaseTimeout), step, id, attempt).query(Boolean.class).optional();
    }

    /** Appends the lines in order; false when the attempt no longer holds the lease. */
    public boolean appendLog(long id, int attempt, List<String> lines) {
        if (lines.isEmpty()) {
            return jdbc.sql("select 1 from builds where id = ? and attempt = ? and status = 'running'")
                    .params(id, attempt).query(Integer.class).optional().isPresent();
        }
        Boolean appended = transaction.execute(status -> {
            Optional<Integer> last = jdbc.sql("""
                    update builds set log_lines = log_lines + ?
                     where id = ? and attempt = ? and status = 'running'
                    returning log_lines""").params(lines.size(), id, attempt).query(Integer.class).optional();
            last.ifPresent(end -> insertLines(id, end - lines.size(), lines));
            return last.isPresent();
        });
        return Boolean.TRUE.equals(appended);
    }

    /** A line of the registry's own (a restart, a cancel), whoever holds the lease. */
    void appendSystemLine(long id, String line) {
        int end = jdbc.sql("update builds set log_lines = log_lines + 1 where id = ? returning log_lines")
                .param(id).query(Integer.class).single();
        insertLines(id, end - 1, List.of(line));
    }

    private void insertLines(long id, int after, List<String> lines) {
        jdbc.sql("""
                insert into build_log (build_id, line_no, line)
                select ?, ? + n, line from unnest(cast(? as text[])) with ordinality as l(line, n)""")
                .params(id, after, lines.toArray(String[]::new)).update();
    }

    /** Ends the build as its worker reports; false when the attempt no longer holds the lease. */
    public boolean finish(long id, int attempt, BuildStatus status, String digest, String error) {
        return Boolean.TRUE.equals(transaction.execute(tx -> {
            boolean finished = jdbc.sql("""
                    update builds set status = ?, digest = ?, error = ?, finished_at = now(), secrets = null,
                           credential_hash = null, lease_expires_at = null
                     where id = ? and attempt = ? and status = 'running'""")
                    .params(status.wireName(), digest, error, id, attempt).update() > 0;
            if (finished) {
                announce(id);
            }
            return finished;
        }));
    }

    private void end(long id, BuildStatus status, String digest, String error) {
        jdbc.sql("""
                update builds set status = ?, digest = ?, error = ?, finished_at = now(), secrets = null,
                       credential_hash = null, lease_expires_at = null
                 where id = ?""").params(status.wireName(), digest, error, id).update();
        announce(id);
    }

    /**
     * Asks for the build to stop: a queued one ends cancelled at once, a running one when its
     * worker next reports. Empty when there is no such build.
     */
    public Optional<Build> cancel(long id) {
        transaction.executeWithoutResult(status -> {
            Optional<BuildStatus> current = jdbc.sql("select status from builds where id = ? for update").param(id)
                    .query(String.class).optional().flatMap(BuildStatus::parse);
            if (current.orElse(null) == BuildStatus.QUEUED) {
                jdbc.sql("update builds set cancel_requested = true where id = ?").param(id).update();
                end(id, BuildStatus.CANCELLED, null, null);
                appendSystemLine(id, "--- cancelled before it started ---");
            } else if (current.orElse(null) == BuildStatus.RUNNING) {
                jdbc.sql("update builds set cancel_requested = true where id = ?").param(id).update();
            }
        });
        return find(id);
    }

    /** Log lines after number {@code after}, at most {@code limit}. */
    public List<LogLine> log(long id, int after, int limit) {
        return jdbc.sql("""
                select line_no, line from build_log where build_id = ? and line_no > ? order by line_no limit ?""")
                .params(id, after, limit).query((rs, n) -> new LogLine(rs.getInt(1), rs.getString(2))).list();
    }

    /** The build, while a lease on it is current. */
    public Optional<Running> running(long id) {
        return jdbc.sql("""
                select id, attempt, repository, spec, submitted_by, credential_hash from builds
                 where id = ? and status = 'running' and lease_expires_at > now()""").param(id)
                .query((rs, n) -> new Running(rs.getLong(1), rs.getInt(2), rs.getString(3), spec(rs.getString(4)),
                        rs.getString(5), rs.getBytes(6))).optional();
    }

    /** Deletes the logs of builds that ended before {@code cutoff}; how many lines went. */
    public int deleteLogsEndedBefore(Instant cutoff) {
        return jdbc.sql("""
                delete from build_log l using builds b
                 where b.id = l.build_id and b.finished_at < ?""").param(Timestamp.from(cutoff)).update();
    }

    public void workerSeen(String worker) {
        jdbc.sql("""
                insert into build_workers (name) values (?)
                on conflict (name) do update set last_seen = now()""").param(worker).update();
    }

    /** Workers that asked for work or reported within {@code within}. */
    public int activeWorkers(Duration within) {
        return jdbc.sql("select count(*) from build_workers where last_seen > now() - ?")
                .param(interval(within)).query(Integer.class).single();
    }

    public int queued() {
        return jdbc.sql("select count(*) from builds where status = 'queued'").query(Integer.class).single();
    }

    private static org.postgresql.util.PGInterval interval(Duration duration) {
        try {
            return new org.postgresql.util.PGInterval(duration.toMillis() / 1000.0 + " seconds");
        } catch (SQLException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static BuildSpec spec(String json) {
        return Json.MAPPER.readValue(json, BuildSpec.class);
    }

    private static Build build(ResultSet rs, int row) throws SQLException {
        return new Build(rs.getLong("id"), rs.getString("repository"), spec(rs.getString("spec")),
                BuildStatus.parse(rs.getString("status")).orElseThrow(), rs.getString("step"),
                rs.getString("submitted_by"), instant(rs, "created_at"), instant(rs, "started_at"),
                instant(rs, "finished_at"), rs.getInt("attempt"), rs.getString("worker"),
                rs.getBoolean("cancel_requested"), rs.getString("digest"), rs.getString("error"),
                rs.getInt("log_lines"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return at == null ? null : at.toInstant();
    }
}
