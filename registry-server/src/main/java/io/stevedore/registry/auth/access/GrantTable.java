package io.stevedore.registry.auth.access;

import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The grants of teams or of robots: rows (holder, repository, role) of one table, at most one per
 * holder and repository. Only a team's grant has no repository: the one on its whole organization.
 */
final class GrantTable {
    private final JdbcClient jdbc;
    private final String list;
    private final String put;
    private final String remove;

    /** @param holderColumn the column naming the holder: {@code team_id}, {@code robot_id} */
    GrantTable(JdbcClient jdbc, String table, String holderColumn) {
        this.jdbc = jdbc;
        this.list = "select repository, role from %s where %s = ? order by repository nulls first"
                .formatted(table, holderColumn);
        this.put = """
                insert into %1$s (%2$s, repository, role) values (?, ?, ?)
                on conflict (%2$s, repository) do update set role = excluded.role""".formatted(table, holderColumn);
        this.remove = "delete from %s where %s = ? and repository is not distinct from cast(? as text)"
                .formatted(table, holderColumn);
    }

    /** The holder's grants by repository, the one without repository first. */
    List<Grant> list(long holderId) {
        return jdbc.sql(list).param(holderId)
                .query((rs, n) -> new Grant(rs.getString(1), Role.parse(rs.getString(2)).orElseThrow())).list();
    }

    /** Grants the role, replacing the one the holder had on that repository. */
    void put(long holderId, Grant grant) {
        jdbc.sql(put).params(holderId, grant.repository(), grant.role().wireName()).update();
    }

    /** @param repository null: the grant without repository; false if the holder had no such grant */
    boolean remove(long holderId, String repository) {
        return jdbc.sql(remove).params(holderId, repository).update() > 0;
    }
}
