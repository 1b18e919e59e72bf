package io.stevedore.registry.auth.tokens;

import java.time.Duration;
import java.time.Instant;

/** A signed bearer token and what its holder needs to know about it. */
public record IssuedToken(String token, String id, Instant issuedAt, Duration lifetime) {
}
