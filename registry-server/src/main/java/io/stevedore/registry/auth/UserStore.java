package io.stevedore.registry.auth;

import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Users: a name (which is also their namespace), a password hash, and whether they are the admin. */
@Repository
public class UserStore {
    private final JdbcClient jdbc;

    public UserStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** @param passwordHash with its algorithm's {id} prefix, never the password */
    public record User(long id, String username, String passwordHash, boolean admin) {
    }

    public Optional<User> find(String username) {
        return jdbc.sql("select id, username, password_hash, admin from users where username = ?")
                .param(username)
                .query((rs, n) -> new User(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)))
                .optional();
    }

    /** Creates the user unless the name is taken; false if it was. */
    public boolean create(String username, String passwordHash, boolean admin) {
        return jdbc.sql("""
                insert into users (username, password_hash, admin) values (?, ?, ?)
                on conflict (username) do nothing""")
                .params(username, passwordHash, admin).update() > 0;
    }

    /** Creates the user, or makes the existing one an admin with this password. */
    public void createOrUpdateAdmin(String username, String passwordHash) {
        jdbc.sql("""
                insert into users (username, password_hash, admin) values (?, ?, true)
                on conflict (username) do update
                set password_hash = excluded.password_hash, admin = true, password_changed_at = now()""")
                .params(username, passwordHash).update();
    }

    public void setPassword(long userId, String passwordHash) {
        jdbc.sql("update users set password_hash = ?, password_changed_at = now() where id = ?")
                .params(passwordHash, userId).update();
    }
}
