package io.stevedore.registry.auth.accounts;

/** A team of an organization. */
public record Team(long id, long organizationId, String name) {
}
