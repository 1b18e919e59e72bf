package io.stevedore.registry.auth.accounts;

import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Teams of an organization and their members, its users and its robots. What a team may do is
 * in its grants ({@code GrantStore}).
 */
@Repository
public class TeamStore {
    private final JdbcClient jdbc;

    public TeamStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Team> create(long organizationId, String name) {
        return jdbc.sql("""
                insert into teams (organization_id, name) values (?, ?) on conflict do nothing
                returning id, organization_id, name""")
                .params(organizationId, name)
                .query((rs, n) -> new Team(rs.getLong(1), rs.getLong(2), rs.getString(3))).optional();
    }

    public Optional<Team> find(long organizationId, String name) {
        return jdbc.sql("select id, organization_id, name from teams where organization_id = ? and name = ?")
                .params(organizationId, name)
                .query((rs, n) -> new Team(rs.getLong(1), rs.getLong(2), rs.getString(3))).optional();
    }

    public List<Team> list(long organizationId) {
        return jdbc.sql("select id, organization_id, name from teams where organization_id = ? order by name")
                .param(organizationId)
                .query((rs, n) -> new Team(rs.getLong(1), rs.getLong(2), rs.getString(3))).list();
    }

    public boolean delete(long teamId) {
        return jdbc.sql("delete from teams where id = ?").param(teamId).update() > 0;
    }

    /** Member names, users and robots ({@code acme+ci}) alike, sorted. */
    public List<String> members(long teamId) {
        return jdbc.sql("""
                select coalesce(u.username, r.namespace || '+' || r.name) as member from team_members tm
                left join users u on u.id = tm.user_id
                left join robots r on r.id = tm.robot_id
                where tm.team_id = ? order by member""")
                .param(teamId).query(String.class).list();
    }

    /** Adds the account; false if it was a member already. */
    public boolean addMember(long teamId, Account account) {
        return jdbc.sql("insert into team_members (team_id, user_id, robot_id) values (?, ?, ?) on conflict do nothing")
                .params(teamId, account.userId(), account.robotId()).update() > 0;
    }

    public boolean removeMember(long teamId, Account account) {
        return jdbc.sql("""
                delete from team_members where team_id = ?
                and (user_id = cast(? as bigint) or robot_id = cast(? as bigint))""")
                .params(teamId, account.userId(), account.robotId()).update() > 0;
    }
}
