package io.stevedore.registry.webhooks;

import io.stevedore.json.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Something webhooks may hear about: its type, where it happened and what the payload says about
 * it. The payload schema (version 1) is docs/webhooks.md; keys that do not apply to a type are
 * left out, and keys are only ever added.
 *
 * @param type       {@code push}, {@code delete}, {@code build} or {@code ping}
 * @param repository the repository concerned; null only for a ping of a namespace's webhook
 * @param details    the type's own keys, in payload order
 */
public record WebhookEvent(String type, String actor, String namespace, String repository,
                           Map<String, Object> details) {
    public static final String PUSH = "push";
    public static final String DELETE = "delete";
    public static final String BUILD = "build";
    static final String PING = "ping";
    /** The types a webhook can subscribe to (ping always reaches the webhook pinged). */
    static final List<String> SUBSCRIBABLE = List.of(PUSH, DELETE, BUILD);

    public WebhookEvent {
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** A manifest pushed, by tag (or by digest alone: {@code tag} null). */
    public static WebhookEvent push(String actor, String repository, String tag, String digest, String mediaType,
                                    long size) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("tag", tag);
        details.put("digest", digest);
        details.put("mediaType", mediaType);
        details.put("size", size);
        return new WebhookEvent(PUSH, actor, namespaceOf(repository), repository, details);
    }

    /** A tag deleted (its manifest stays). */
    public static WebhookEvent tagDeleted(String actor, String repository, String tag) {
        return new WebhookEvent(DELETE, actor, namespaceOf(repository), repository,
                ordered("target", "tag", "tag", tag));
    }

    /** A manifest deleted, with every tag on it. */
    public static WebhookEvent manifestDeleted(String actor, String repository, String digest) {
        return new WebhookEvent(DELETE, actor, namespaceOf(repository), repository,
                ordered("target", "manifest", "digest", digest));
    }

    /** A whole repository deleted. */
    public static WebhookEvent repositoryDeleted(String actor, String repository) {
        return new WebhookEvent(DELETE, actor, namespaceOf(repository), repository, Map.of("target", "repository"));
    }

    /**
     * A remote build changed status: {@code queued}, {@code running} (a worker started it, again
     * with a higher attempt after a lost worker), {@code succeeded}, {@code failed}, {@code cancelled}.
     *
     * @param digest the image's digest once succeeded, else null
     * @param error  why it failed, else null
     */
    public static WebhookEvent build(String actor, String repository, long buildId, String status, int attempt,
                                     List<String> tags, String digest, String error) {
        Map<String, Object> build = new LinkedHashMap<>();
        build.put("id", buildId);
        build.put("status", status);
        build.put("attempt", attempt);
        build.put("tags", List.copyOf(tags));
        build.put("digest", digest);
        build.put("error", error);
        return new WebhookEvent(BUILD, actor, namespaceOf(repository), repository, Map.of("build", build));
    }

    static WebhookEvent ping(String actor, Webhook webhook) {
        String namespace = webhook.namespace() != null ? webhook.namespace() : namespaceOf(webhook.repository());
        return new WebhookEvent(PING, actor, namespace, webhook.repository(), Map.of("webhook", webhook.id()));
    }

    /** The body sent, byte for byte, to every webhook this occurrence reaches. */
    String payload(UUID id, Instant at) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", 1);
        body.put("id", id.toString());
        body.put("type", type);
        body.put("timestamp", at.toString());
        body.put("actor", actor);
        body.put("namespace", namespace);
        if (repository != null) {
            body.put("repository", repository);
        }
        body.putAll(details);
        return Json.MAPPER.writeValueAsString(body);
    }

    /** Two keys in this order, so payloads keep one key order. */
    private static Map<String, Object> ordered(String key1, Object value1, String key2, Object value2) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(key1, value1);
        map.put(key2, value2);
        return map;
    }

    static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }
}
