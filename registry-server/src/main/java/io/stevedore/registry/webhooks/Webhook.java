package io.stevedore.registry.webhooks;

import java.time.Instant;
import java.util.List;

/**
 * A webhook as its admins see it (never its secret): a namespace's (every repository in it) or
 * one repository's.
 *
 * @param events the subscribed event types: {@code push}, {@code delete}, {@code build}
 */
record Webhook(long id, String namespace, String repository, String url, List<String> events, boolean enabled,
               String createdBy, Instant createdAt) {

    /** The namespace whose admins manage it: its own, or its repository's. */
    String owningNamespace() {
        return namespace != null ? namespace : WebhookEvent.namespaceOf(repository);
    }
}
