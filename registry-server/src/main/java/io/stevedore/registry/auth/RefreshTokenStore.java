package io.stevedore.registry.auth;

import io.stevedore.registry.auth.UserStore.User;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Refresh tokens: opaque random strings that stand for a user's login (docker login keeps one
 * instead of the password). Only their SHA-256 is stored, so the table leaks no usable token;
 * a plain hash suffices because the tokens are 256 random bits, not guessable passwords.
 */
@Repository
public class RefreshTokenStore {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final JdbcClient jdbc;

    public RefreshTokenStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A new refresh token for the user, valid for {@code lifetime}; its holder acts as the user. */
    public String issue(long userId, Duration lifetime) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        jdbc.sql("delete from refresh_tokens where user_id = ? and expires_at < now()").param(userId).update();
        jdbc.sql("""
                insert into refresh_tokens (token_sha256, user_id, expires_at)
                values (?, ?, now() + make_interval(secs => ?))""")
                .params(sha256(token), userId, (double) lifetime.toSeconds()).update();
        return token;
    }

    /** The user the token stands for, if it is one of ours and has not expired. */
    public Optional<User> findUser(String token) {
        return jdbc.sql("""
                select u.id, u.username, u.password_hash, u.admin from refresh_tokens t
                join users u on u.id = t.user_id
                where t.token_sha256 = ? and t.expires_at > now()""")
                .param(sha256(token))
                .query((rs, n) -> new User(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)))
                .optional();
    }

    /** Revokes every refresh token of the user (their password changed). */
    public int revokeAll(long userId) {
        return jdbc.sql("delete from refresh_tokens where user_id = ?").param(userId).update();
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
