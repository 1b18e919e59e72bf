package io.stevedore.registry.auth.access;

/**
 * A role granted on a repository, to a team or a robot.
 *
 * @param repository the repository; for a team, null means every repository of its organization
 */
public record Grant(String repository, Role role) {
}
