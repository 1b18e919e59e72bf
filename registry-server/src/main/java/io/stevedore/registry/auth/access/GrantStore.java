package io.stevedore.registry.auth.access;

import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The grants of teams (a role on one repository of their organization, or on all of them) and of
 * robots (a role on one repository of their namespace): what {@link AccessPolicy} reads.
 */
@Repository
public class GrantStore {
    private final GrantTable teams;
    private final GrantTable robots;

    public GrantStore(JdbcClient jdbc) {
        this.teams = new GrantTable(jdbc, "team_permissions", "team_id");
        this.robots = new GrantTable(jdbc, "robot_permissions", "robot_id");
    }

    /** The team's grants by repository, the one on the whole organization first. */
    public List<Grant> ofTeam(long teamId) {
        return teams.list(teamId);
    }

    public void grantTeam(long teamId, Grant grant) {
        teams.put(teamId, grant);
    }

    /** @param repository null: the grant on the whole organization */
    public boolean revokeFromTeam(long teamId, String repository) {
        return teams.remove(teamId, repository);
    }

    public List<Grant> ofRobot(long robotId) {
        return robots.list(robotId);
    }

    public void grantRobot(long robotId, Grant grant) {
        robots.put(robotId, grant);
    }

    public boolean revokeFromRobot(long robotId, String repository) {
        return robots.remove(robotId, repository);
    }
}
