package io.stevedore.registry.auth;

/**
 * A role granted on a repository, to a team or a robot.
 *
 * @param repository the repository; for a team, null means every repository of its organization
 */
public record Grant(String repository, Role role) {

    /** A grant as the API reads and writes it: {@code {"repository","role"}} with the role's wire name. */
    record View(String repository, String role) {
        static View of(Grant grant) {
            return new View(grant.repository(), grant.role().wireName());
        }
    }
}
