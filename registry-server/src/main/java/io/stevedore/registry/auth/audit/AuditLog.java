package io.stevedore.registry.auth.audit;

import io.stevedore.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
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
    public static final String USER_DELETED = "user.deleted";
    public static final String VISIBILITY_CHANGED = "repository.visibility-changed";
    public static final String MANIFEST_PUSHED = "manifest.pushed";
    public static final String MANIFEST_DELETED = "manifest.deleted";
    public static final String TAG_DELETED = "tag.deleted";
    public static final String BLOB_DELETED = "blob.deleted";
    public static final String REPOSITORY_DELETED = "repository.deleted";
    public static final String GC_REQUESTED = "gc.requested";
    public static final String ORGANIZATION_CREATED = "organization.created";
    public static final String ORGANIZATION_DELETED = "organization.deleted";
    public static final String MEMBER_CHANGED = "organization.member-changed";
    public static final String MEMBER_REMOVED = "organization.member-removed";
    public static final String TEAM_CREATED = "team.created";
    public static final String TEAM_DELETED = "team.deleted";
    public static final String TEAM_MEMBER_ADDED = "team.member-added";
    public static final String TEAM_MEMBER_REMOVED = "team.member-removed";
    public static final String TEAM_PERMISSION_CHANGED = "team.permission-changed";
    public static final String TEAM_PERMISSION_REMOVED = "team.permission-removed";
    public static final String ROBOT_CREATED = "robot.created";
    public static final String ROBOT_DELETED = "robot.deleted";
    public static final String ROBOT_TOKEN_REGENERATED = "robot.token-regenerated";
    public static final String ROBOT_PERMISSION_CHANGED = "robot.permission-changed";
    public static final String ROBOT_PERMISSION_REMOVED = "robot.permission-removed";
    public static final String ACCESS_TOKEN_CREATED = "access-token.created";
    public static final String ACCESS_TOKEN_REVOKED = "access-token.revoked";

    /** A claimed user name longer than any real one is kept only this long. */
    private static final int MAX_ACTOR = 128;

    /** Told of every entry recorded here, as it is written (within the writer's transaction, if any). */
    public interface Listener {
        void recorded(String event);
    }

    private final JdbcClient jdbc;
    private final ObjectProvider<Listener> listenerBeans;
    private volatile List<Listener> listeners;

    public AuditLog(JdbcClient jdbc, ObjectProvider<Listener> listeners) {
        this.jdbc = jdbc;
        this.listenerBeans = listeners;
    }

    /** @param actor the account, or the name a failed login claimed, or null for an anonymous caller */
    public void record(String event, String actor, String clientAddress, Map<String, ?> detail) {
        record(event, actor, clientAddress, null, null, detail);
    }

    /**
     * An entry about something in a namespace, which that namespace's admins may read; one
     * insert, nothing else (pushes record through this).
     *
     * @param namespace  the namespace concerned (an organization's admins see its entries), or null
     * @param repository the repository concerned, or null
     */
    public void record(String event, String actor, String clientAddress, String namespace, String repository,
                       Map<String, ?> detail) {
        jdbc.sql("""
                insert into audit_log (event, actor, client_address, namespace, repository, detail)
                values (?, ?, ?, ?, ?, cast(? as jsonb))""")
                .params(event, clip(actor), clientAddress, namespace, repository,
                        detail.isEmpty() ? null : Json.MAPPER.writeValueAsString(detail))
                .update();
        List<Listener> known = listeners;
        if (known == null) { // resolved once, not per entry: pushes record here
            known = listeners = listenerBeans.orderedStream().toList();
        }
        known.forEach(listener -> listener.recorded(event));
    }

    /** An entry about a repository: its namespace is its first path component. */
    public void recordRepository(String event, String actor, String clientAddress, String repository,
                                 Map<String, ?> detail) {
        int slash = repository.indexOf('/');
        record(event, actor, clientAddress, slash < 0 ? repository : repository.substring(0, slash), repository,
                detail);
    }

    /** Newest first. */
    public List<AuditEntry> find(AuditQuery query) {
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder("true");
        if (query.actor() != null) {
            where.append(" and actor = ?");
            params.add(query.actor());
        }
        if (query.repository() != null) {
            where.append(" and repository = ?");
            params.add(query.repository());
        }
        if (query.action() != null) {
            where.append(" and event = ?");
            params.add(query.action());
        }
        if (query.since() != null) {
            where.append(" and at >= ?");
            params.add(java.sql.Timestamp.from(query.since()));
        }
        if (query.namespaces() != null) {
            where.append(" and namespace = any (?)");
            params.add(query.namespaces().toArray(String[]::new));
        }
        if (query.before() != null) {
            where.append(" and id < ?");
            params.add(query.before());
        }
        params.add(query.limit());
        return jdbc.sql("select id, at, event, actor, client_address, namespace, repository, detail::text"
                        + " from audit_log where " + where + " order by id desc limit ?")
                .params(params)
                .query((rs, n) -> new AuditEntry(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                        rs.getString(8) == null ? null : Json.MAPPER.readTree(rs.getString(8))))
                .list();
    }

    public FailedLoginCount failedLoginsOf(String actor, Duration window) {
        return failedLogins("actor", clip(actor), window);
    }

    public FailedLoginCount failedLoginsFrom(String clientAddress, Duration window) {
        return failedLogins("client_address", clientAddress, window);
    }

    private static String clip(String actor) {
        return actor == null || actor.length() <= MAX_ACTOR ? actor : actor.substring(0, MAX_ACTOR);
    }

    private FailedLoginCount failedLogins(String column, String value, Duration window) {
        // The partial indexes on (actor, at) and (client_address, at) serve exactly this query.
        return jdbc.sql("""
                select count(*),
                       coalesce(ceil(extract(epoch from min(at) + make_interval(secs => ?) - now())), 0)
                from audit_log
                where event = 'login.failure' and %s = ? and at > now() - make_interval(secs => ?)"""
                .formatted(column))
                .params((double) window.toSeconds(), value, (double) window.toSeconds())
                .query((rs, n) -> new FailedLoginCount(rs.getInt(1), Math.max(0, rs.getLong(2))))
                .single();
    }
}
