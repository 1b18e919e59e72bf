package io.stevedore.registry.auth.audit;

import java.time.Instant;

/** One audit entry as the API shows it. */
public record AuditEntry(long id, Instant at, String action, String actor, String clientAddress, String namespace,
                         String repository, Object detail) {
}
