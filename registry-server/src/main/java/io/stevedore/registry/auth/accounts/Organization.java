package io.stevedore.registry.auth.accounts;

import java.time.Instant;

/** An organization: a namespace owned by a group of users. */
public record Organization(long id, String name, Instant createdAt) {
}
