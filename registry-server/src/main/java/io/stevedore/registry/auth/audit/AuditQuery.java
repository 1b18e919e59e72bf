package io.stevedore.registry.auth.audit;

import java.time.Instant;
import java.util.List;

/**
 * What to read from the audit log: every filter null means everything.
 *
 * @param namespaces only entries of these namespaces (an organization admin's); null: all
 * @param before     only entries older than this id (the next page)
 */
public record AuditQuery(String actor, String repository, String action, Instant since, List<String> namespaces,
                         Long before, int limit) {
}
