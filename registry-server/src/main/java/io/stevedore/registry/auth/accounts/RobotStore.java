package io.stevedore.registry.auth.accounts;

import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Robot accounts, Quay style: {@code <namespace>+<name>}, of a user or an organization, logging
 * in with a random token of which only the SHA-256 is stored; what they may do comes from grants
 * on repositories of their namespace ({@code GrantStore}) and from the teams they are in.
 */
@Repository
public class RobotStore {
    public static final char SEPARATOR = '+';
    private static final String COLUMNS = "r.id, r.namespace, r.name, r.created_at";
    private static final RowMapper<Robot> ROBOT = (rs, n) -> new Robot(rs.getLong(1), rs.getString(2),
            rs.getString(3), rs.getTimestamp(4).toInstant());

    private final JdbcClient jdbc;

    public RobotStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** {@code acme+ci} split at its {@code +}: namespace and short name; empty if it has none. */
    public static Optional<String[]> split(String fullName) {
        int plus = fullName.indexOf(SEPARATOR);
        return plus <= 0 || plus == fullName.length() - 1 ? Optional.empty()
                : Optional.of(new String[] {fullName.substring(0, plus), fullName.substring(plus + 1)});
    }

    /** Creates the robot with the token's hash; empty if the name is taken. */
    public Optional<Robot> create(String namespace, String shortName, String tokenSha256) {
        return jdbc.sql("insert into robots as r (namespace, name, token_sha256) values (?, ?, ?)"
                        + " on conflict do nothing returning " + COLUMNS)
                .params(namespace, shortName, tokenSha256).query(ROBOT).optional();
    }

    public Optional<Robot> find(String fullName) {
        return split(fullName).flatMap(parts -> jdbc.sql(
                        "select " + COLUMNS + " from robots r where r.namespace = ? and r.name = ?")
                .params(parts[0], parts[1]).query(ROBOT).optional());
    }

    public Optional<Robot> find(long id) {
        return jdbc.sql("select " + COLUMNS + " from robots r where r.id = ?").param(id).query(ROBOT).optional();
    }

    /** The robot, if the token is its current one. */
    public Optional<Robot> authenticate(String fullName, String token) {
        return split(fullName).flatMap(parts -> jdbc.sql("""
                        select %s from robots r where r.namespace = ? and r.name = ? and r.token_sha256 = ?"""
                        .formatted(COLUMNS))
                .params(parts[0], parts[1], Secrets.sha256(token)).query(ROBOT).optional());
    }

    public List<Robot> list(String namespace) {
        return jdbc.sql("select " + COLUMNS + " from robots r where r.namespace = ? order by r.name")
                .param(namespace).query(ROBOT).list();
    }

    /** Replaces the token, and logs out whoever holds a refresh token of the old one. */
    public void replaceToken(long robotId, String tokenSha256) {
        jdbc.sql("update robots set token_sha256 = ?, token_created_at = now() where id = ?")
                .params(tokenSha256, robotId).update();
        jdbc.sql("delete from refresh_tokens where robot_id = ?").param(robotId).update();
    }

    public boolean delete(long robotId) {
        return jdbc.sql("delete from robots where id = ?").param(robotId).update() > 0;
    }

    /** The teams the robot is in, as {@code team} names of its organization. */
    public List<String> teams(long robotId) {
        return jdbc.sql("""
                select t.name from team_members tm join teams t on t.id = tm.team_id
                where tm.robot_id = ? order by t.name""")
                .param(robotId).query(String.class).list();
    }
}
