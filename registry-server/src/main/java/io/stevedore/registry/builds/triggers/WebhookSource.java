package io.stevedore.registry.builds.triggers;

import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.registry.api.ApiException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Who sends a webhook, how that sender proves it knows the trigger's secret, and how its push
 * payload reads. Signatures are checked over the bytes received, before any of them is parsed.
 */
enum WebhookSource {
    /** {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>}; JSON or form-encoded payload. */
    GITHUB {
        @Override
        boolean authentic(Function<String, String> header, byte[] body, String secret) {
            return signed(header.apply("X-Hub-Signature-256"), body, secret);
        }

        @Override
        Received read(Function<String, String> header, byte[] body) {
            String delivery = header.apply("X-GitHub-Delivery");
            String event = header.apply("X-GitHub-Event");
            if ("ping".equals(event)) {
                return new Received(delivery, new WebhookEvent.Ping());
            }
            if (!"push".equals(event)) {
                return new Received(delivery, new WebhookEvent.Other(String.valueOf(event)));
            }
            JsonNode payload = json(formPayload(header.apply("Content-Type"), body));
            // For an annotated tag, "after" names the tag object; head_commit is the commit it tags.
            String sha = text(payload.path("head_commit"), "id");
            if (payload.path("deleted").asBoolean(false)) {
                sha = null;
            } else if (sha == null) {
                sha = text(payload, "after");
            }
            return new Received(delivery, push(text(payload, "ref"), sha,
                    text(payload.path("repository"), "default_branch")));
        }
    },
    /** {@code X-Gitlab-Token: <secret>} as it is; {@code Push Hook} and {@code Tag Push Hook}. */
    GITLAB {
        @Override
        boolean authentic(Function<String, String> header, byte[] body, String secret) {
            String token = header.apply("X-Gitlab-Token");
            // hashed first, so that the comparison takes as long whatever the lengths
            return token != null && MessageDigest.isEqual(Digest.sha256(token.getBytes(StandardCharsets.UTF_8)).hex()
                    .getBytes(StandardCharsets.US_ASCII), Digest.sha256(secret.getBytes(StandardCharsets.UTF_8)).hex()
                    .getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        Received read(Function<String, String> header, byte[] body) {
            // Idempotency-Key stays the same when GitLab sends an event again; the UUIDs may not.
            String delivery = firstOf(header, "Idempotency-Key", "X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID");
            String event = header.apply("X-Gitlab-Event");
            if (!"Push Hook".equals(event) && !"Tag Push Hook".equals(event)) {
                return new Received(delivery, new WebhookEvent.Other(String.valueOf(event)));
            }
            JsonNode payload = json(body);
            // checkout_sha is the commit (for an annotated tag too), null when the ref was deleted
            return new Received(delivery, push(text(payload, "ref"), text(payload, "checkout_sha"),
                    text(payload.path("project"), "default_branch")));
        }
    },
    /**
     * Anything that can sign: {@code X-Stevedore-Signature: sha256=<hex HMAC-SHA256 of the body>},
     * body {@code {"ref","sha","delivery","default_branch"}}.
     */
    GENERIC {
        @Override
        boolean authentic(Function<String, String> header, byte[] body, String secret) {
            return signed(header.apply("X-Stevedore-Signature"), body, secret);
        }

        @Override
        Received read(Function<String, String> header, byte[] body) {
            JsonNode payload = json(body);
            // an id inside the body is covered by the signature; one in a header is not
            String delivery = Optional.ofNullable(text(payload, "delivery"))
                    .orElseGet(() -> header.apply("X-Stevedore-Delivery"));
            String sha = text(payload, "sha");
            if (sha == null) {
                throw ApiException.badRequest("the payload names no commit: {\"ref\":\"refs/heads/main\","
                        + "\"sha\":\"<40 hex digits>\",\"delivery\":\"<id>\"}");
            }
            return new Received(delivery, push(text(payload, "ref"), sha, text(payload, "default_branch")));
        }
    };

    /** The largest payload read; GitHub's push payloads list at most 20 commits. */
    static final int MAX_PAYLOAD = 1024 * 1024;

    /** A delivery: its id (null when the sender gave none) and what it announced. */
    record Received(String deliveryId, WebhookEvent event) {
    }

    abstract boolean authentic(Function<String, String> header, byte[] body, String secret);

    /** Reads an authentic delivery. @throws ApiException 400 for a payload that does not read */
    abstract Received read(Function<String, String> header, byte[] body);

    /** The path segment naming it: github, gitlab, generic. */
    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<WebhookSource> parse(String text) {
        for (WebhookSource source : values()) {
            if (source.wireName().equals(text)) {
                return Optional.of(source);
            }
        }
        return Optional.empty();
    }

    /** {@code sha256=<hex>} over the body with the secret, compared in constant time. */
    static boolean signed(String signature, byte[] body, String secret) {
        if (signature == null) {
            return false;
        }
        byte[] expected = ("sha256=" + hmacHex(secret, body)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.strip().toLowerCase(Locale.ROOT)
                .getBytes(StandardCharsets.US_ASCII));
    }

    static String hmacHex(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JVM", e);
        }
    }

    private static WebhookEvent.Push push(String ref, String sha, String defaultBranch) {
        if (ref == null || ref.isEmpty()) {
            throw ApiException.badRequest("the push payload names no ref");
        }
        WebhookEvent.Push push = new WebhookEvent.Push(ref, sha, defaultBranch);
        if (!push.deletion() && !WebhookEvent.Push.isCommit(push.sha())) {
            throw ApiException.badRequest("the push payload's commit is not a commit id: " + sha);
        }
        return push;
    }

    /** GitHub's form content type sends the JSON as the {@code payload} field. */
    private static byte[] formPayload(String contentType, byte[] body) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            return body;
        }
        for (String field : new String(body, StandardCharsets.US_ASCII).split("&")) {
            if (field.startsWith("payload=")) {
                return URLDecoder.decode(field.substring("payload=".length()), StandardCharsets.UTF_8)
                        .getBytes(StandardCharsets.UTF_8);
            }
        }
        throw ApiException.badRequest("a form-encoded delivery carries its JSON in the payload field; there is none");
    }

    private static JsonNode json(byte[] body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw ApiException.badRequest("the payload is not a JSON object");
            }
            return node;
        } catch (JacksonException e) {
            throw ApiException.badRequest("the payload is not JSON: " + e.getOriginalMessage());
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isString() ? value.asString() : null;
    }

    private static String firstOf(Function<String, String> header, String... names) {
        for (String name : names) {
            String value = header.apply(name);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }
}
