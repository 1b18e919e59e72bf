package io.stevedore.registry.auth.login;

import io.stevedore.registry.auth.accounts.Account;
import io.stevedore.registry.auth.accounts.RobotStore;
import io.stevedore.registry.auth.accounts.Secrets;
import io.stevedore.registry.auth.accounts.UserStore;
import java.time.Duration;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Refresh tokens: opaque random strings that stand for a login (docker login keeps one instead
 * of the password), of a user or a robot. Only their SHA-256 is stored, so the table leaks no
 * usable token. One obtained with a personal access token dies when that token is revoked.
 */
@Repository
public class RefreshTokenStore {
    private final JdbcClient jdbc;
    private final UserStore users;
    private final RobotStore robots;

    public RefreshTokenStore(JdbcClient jdbc, UserStore users, RobotStore robots) {
        this.jdbc = jdbc;
        this.users = users;
        this.robots = robots;
    }

    /** A new refresh token for the login, valid for {@code lifetime}; its holder acts as the account. */
    public String issue(Login login, Duration lifetime) {
        String token = Secrets.generate("");
        Account account = login.account();
        jdbc.sql("""
                delete from refresh_tokens
                where (user_id = cast(? as bigint) or robot_id = cast(? as bigint)) and expires_at < now()""")
                .params(account.userId(), account.robotId()).update();
        jdbc.sql("""
                insert into refresh_tokens (token_sha256, user_id, robot_id, access_token_id, expires_at)
                values (?, ?, ?, ?, now() + make_interval(secs => ?))""")
                .params(Secrets.sha256(token), account.userId(), account.robotId(), login.accessTokenId(),
                        (double) lifetime.toSeconds())
                .update();
        return token;
    }

    /** The login the token stands for, if it is one of ours and neither it nor its access token expired. */
    public Optional<Login> find(String token) {
        record Holder(Long userId, Long robotId, Long accessTokenId) {
        }
        Optional<Holder> holder = jdbc.sql("""
                select t.user_id, t.robot_id, t.access_token_id from refresh_tokens t
                left join access_tokens a on a.id = t.access_token_id
                where t.token_sha256 = ? and t.expires_at > now()
                and (a.expires_at is null or a.expires_at > now())""")
                .param(Secrets.sha256(token))
                .query((rs, n) -> new Holder(rs.getObject(1, Long.class), rs.getObject(2, Long.class),
                        rs.getObject(3, Long.class)))
                .optional();
        return holder.flatMap(h -> {
            Optional<? extends Account> account = h.userId() != null ? users.find(h.userId()) : robots.find(h.robotId());
            return account.map(a -> new Login(a, h.accessTokenId()));
        });
    }

    /** Revokes every refresh token of the user (their password changed). */
    public int revokeAll(long userId) {
        return jdbc.sql("delete from refresh_tokens where user_id = ?").param(userId).update();
    }
}
