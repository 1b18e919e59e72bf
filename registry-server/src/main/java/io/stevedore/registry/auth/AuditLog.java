package io.stevedore.registry.auth;

import io.stevedore.json.Json;
import java.time.Duration;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The audit log: who did what, from which address, when. Failed logins are counted from it for
 * the rate limit, so every replica sees the same count.
 */
@Repository
public class AuditLog {
    public static final String LOGIN_SUCCESS = "login.success";
    public static final String LOGIN_FAILURE = "login.failure";
    public static final String TOKEN_GRANT = "token.grant";
    public static final String USER_CREATED = "user.created";
    public static final String PASSWORD_CHANGED = "user.password-changed";
    public static final String VISIBILITY_CHANGED = "repository.visibility-changed";

    /** A claimed user name longer than any real one is kept only this long. */
    private static final int MAX_ACTOR = 128;

    private final JdbcClient jdbc;

    public AuditLog(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** @param actor the user, or the name a failed login claimed, or null for an anonymous caller */
    public void record(String event, String actor, String clientAddress, Map<String, ?> detail) {
        jdbc.sql("""
                insert into audit_log (event, actor, client_address, detail)
                values (?, ?, ?, cast(? as jsonb))""")
                .params(event, clip(actor), clientAddress,
                        detail.isEmpty() ? null : Json.MAPPER.writeValueAsString(detail))
                .update();
    }

    /**
     * Failed logins within the window, and the seconds until the oldest of them leaves it.
     *
     * @param secondsUntilOldestExpires 0 when there are none
     */
    public record FailedLogins(int count, long secondsUntilOldestExpires) {
    }

    public FailedLogins failedLoginsOf(String actor, Duration window) {
        return failedLogins("actor", clip(actor), window);
    }

    public FailedLogins failedLoginsFrom(String clientAddress, Duration window) {
        return failedLogins("client_address", clientAddress, window);
    }

    private static String clip(String actor) {
        return actor == null || actor.length() <= MAX_ACTOR ? actor : actor.substring(0, MAX_ACTOR);
    }

    private FailedLogins failedLogins(String column, String value, Duration window) {
        // The partial indexes on (actor, at) and (client_address, at) serve exactly this query.
        return jdbc.sql("""
                select count(*),
                       coalesce(ceil(extract(epoch from min(at) + make_interval(secs => ?) - now())), 0)
                from audit_log
                where event = 'login.failure' and %s = ? and at > now() - make_interval(secs => ?)"""
                .formatted(column))
                .params((double) window.toSeconds(), value, (double) window.toSeconds())
                .query((rs, n) -> new FailedLogins(rs.getInt(1), Math.max(0, rs.getLong(2))))
                .single();
    }
}
