package io.stevedore.registry.auth.accounts;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Personal access tokens: named secrets a user logs in with instead of the password, each
 * revocable on its own. Only their SHA-256 is stored; revoking one deletes it, and with it the
 * refresh tokens obtained with it.
 */
@Repository
public class AccessTokenStore {
    /** What every personal access token starts with, so that a login knows to look one up. */
    public static final String PREFIX = "sdp_";

    private final JdbcClient jdbc;

    public AccessTokenStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Stores the token's hash; empty if the user has a token of that name already. */
    public Optional<AccessToken> create(long userId, String name, Instant expiresAt, String tokenSha256) {
        return jdbc.sql("""
                insert into access_tokens (user_id, name, token_sha256, expires_at) values (?, ?, ?, ?)
                on conflict do nothing
                returning id, name, created_at, expires_at, last_used_at""")
                .params(userId, name, tokenSha256, expiresAt == null ? null : java.sql.Timestamp.from(expiresAt))
                .query((rs, n) -> new AccessToken(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                        instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5))))
                .optional();
    }

    public List<AccessToken> list(long userId) {
        return jdbc.sql("""
                select id, name, created_at, expires_at, last_used_at from access_tokens
                where user_id = ? order by created_at, id""")
                .param(userId)
                .query((rs, n) -> new AccessToken(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                        instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5))))
                .list();
    }

    /** Deletes the user's token and the refresh tokens obtained with it; false if the user has no such token. */
    public boolean revoke(long userId, long tokenId) {
        return jdbc.sql("delete from access_tokens where id = ? and user_id = ?").params(tokenId, userId).update() > 0;
    }

    /**
     * The id of the user's unexpired token with this secret, noting that it was used now (in the
     * same statement: a login costs one round trip).
     */
    public Optional<Long> authenticate(long userId, String token) {
        return jdbc.sql("""
                update access_tokens set last_used_at = now()
                where token_sha256 = ? and user_id = ? and (expires_at is null or expires_at > now())
                returning id""")
                .params(Secrets.sha256(token), userId).query(Long.class).optional();
    }

    private static Instant instant(java.sql.Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
