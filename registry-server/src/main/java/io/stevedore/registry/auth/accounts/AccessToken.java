package io.stevedore.registry.auth.accounts;

import java.time.Instant;

/** A personal access token as listed: never its secret. @param expiresAt null: never */
public record AccessToken(long id, String name, Instant createdAt, Instant expiresAt, Instant lastUsedAt) {
}
