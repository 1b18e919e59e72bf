package io.stevedore.registry.auth.accounts;

import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Users: a name (which is also their namespace, so no organization may have it), a password
 * hash, and whether they are a site admin.
 */
@Repository
public class UserStore {
    private static final String COLUMNS = "u.id, u.username, u.password_hash, u.admin, u.created_at";
    private static final RowMapper<User> USER = (rs, n) -> new User(rs.getLong(1), rs.getString(2),
            rs.getString(3), rs.getBoolean(4), rs.getTimestamp(5).toInstant());

    private final JdbcClient jdbc;

    public UserStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<User> find(String username) {
        return jdbc.sql("select " + COLUMNS + " from users u where u.username = ?").param(username)
                .query(USER).optional();
    }

    public Optional<User> find(long id) {
        return jdbc.sql("select " + COLUMNS + " from users u where u.id = ?").param(id).query(USER).optional();
    }

    public List<User> list() {
        return jdbc.sql("select " + COLUMNS + " from users u order by u.username").query(USER).list();
    }

    /** Creates the user unless the name is taken by a user or an organization; false if it was. */
    public boolean create(String username, String passwordHash, boolean admin) {
        return jdbc.sql("""
                with namespace as (
                    insert into namespaces (name, kind) values (?, 'user') on conflict do nothing returning name)
                insert into users (username, password_hash, admin) select name, ?, ? from namespace""")
                .params(username, passwordHash, admin).update() > 0;
    }

    /** Creates the user, or makes the existing one an admin with this password. */
    public void createOrUpdateAdmin(String username, String passwordHash) {
        jdbc.sql("insert into namespaces (name, kind) values (?, 'user') on conflict do nothing")
                .param(username).update();
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

    /** Deletes the user with their namespace, robots, tokens and memberships; false if there was none. */
    public boolean delete(String username) {
        return jdbc.sql("delete from namespaces where name = ? and kind = 'user'").param(username).update() > 0;
    }
}
