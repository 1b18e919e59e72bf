package io.stevedore.registry.auth.accounts;

/** A user in an organization, and whether they administer it. */
public record OrganizationMember(long userId, String username, boolean admin) {
}
