package io.stevedore.registry.webhooks;

import io.stevedore.json.Json;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.api.ApiNames;
import io.stevedore.registry.auth.access.Caller;
import io.stevedore.registry.auth.accounts.NamespaceStore;
import io.stevedore.registry.auth.audit.AuditLog;
import jakarta.servlet.http.HttpServletRequest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/webhooks}: a namespace's or repository's webhooks, their delivery log, ping and
 * redeliver. A repository's webhooks are addressed with {@code ?repository=} or a body field, not
 * under {@code /api/v1/repositories/<name>/}, because repository names have slashes and may end
 * in {@code webhooks}. The contract is docs/webhooks.md.
 */
@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
class WebhooksApi {
    static final String WEBHOOK_CREATED = "webhook.created";
    static final String WEBHOOK_CHANGED = "webhook.changed";
    static final String WEBHOOK_DELETED = "webhook.deleted";
    static final String WEBHOOK_PINGED = "webhook.pinged";
    static final String DELIVERY_REDELIVERED = "webhook.redelivered";
    private static final int MAX_SECRET = 256;
    private static final int MAX_PAGE = 100;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new webhook: namespace or repository; no secret: one is generated and shown once. */
    record NewWebhook(String namespace, String repository, String url, String secret, List<String> events,
                      Boolean enabled) {
    }

    /** What to change; what is null stays. */
    record WebhookChange(String url, String secret, List<String> events, Boolean enabled) {
    }

    private final WebhookAccess access;
    private final WebhookStore webhooks;
    private final WebhookSecrets secrets;
    private final NamespaceStore namespaces;
    private final DeliveryStore deliveries;
    private final WebhookEvents events;
    private final WebhookTargets targets;
    private final AuditLog audit;
    private final TransactionTemplate transaction;

    WebhooksApi(WebhookAccess access, WebhookStore webhooks, WebhookSecrets secrets, NamespaceStore namespaces,
                DeliveryStore deliveries, WebhookEvents events, WebhookTargets targets, AuditLog audit,
                TransactionTemplate transaction) {
        this.access = access;
        this.webhooks = webhooks;
        this.secrets = secrets;
        this.namespaces = namespaces;
        this.deliveries = deliveries;
        this.events = events;
        this.targets = targets;
        this.audit = audit;
        this.transaction = transaction;
    }

    @PostMapping(path = "/webhooks", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> create(HttpServletRequest request, @RequestBody NewWebhook body) {
        if ((body.namespace() == null) == (body.repository() == null)) {
            throw ApiException.badRequest("give either namespace or repository");
        }
        String namespace = body.namespace() == null ? null : namespace(body.namespace());
        String repository = body.repository() == null ? null : repository(body.repository());
        Caller caller = access.mayManage(request, namespace, repository);
        if (namespace != null && !namespaces.exists(namespace)) {
            throw ApiException.notFound("no user or organization " + namespace);
        }
        String url = url(body.url());
        List<String> subscribed = events(body.events());
        boolean generated = body.secret() == null;
        String secret = generated ? HexFormat.of().formatHex(randomBytes()) : secret(body.secret());
        Webhook created = webhooks.insert(namespace, repository, url, secrets.seal(secret), subscribed,
                body.enabled() == null || body.enabled(), caller.actor());
        audit(WEBHOOK_CREATED, caller, request, created, Map.of("url", url, "events", subscribed));
        Map<String, Object> answer = view(created);
        if (generated) {
            answer.put("secret", secret); // shown this once
        }
        return ResponseEntity.status(HttpStatus.CREATED).body(answer);
    }

    /** The namespace's own webhooks ({@code ?namespace=}) or a repository's ({@code ?repository=}). */
    @GetMapping("/webhooks")
    List<Map<String, Object>> list(HttpServletRequest request, @RequestParam(required = false) String namespace,
                                   @RequestParam(required = false) String repository) {
        if ((namespace == null) == (repository == null)) {
            throw ApiException.badRequest("give either ?namespace= or ?repository=");
        }
        access.mayManage(request, namespace == null ? null : namespace(namespace),
                repository == null ? null : repository(repository));
        List<Webhook> found = namespace != null ? webhooks.ofNamespace(namespace) : webhooks.ofRepository(repository);
        return found.stream().map(WebhooksApi::view).toList();
    }

    @PostMapping(path = "/namespaces/{namespace}/webhooks", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> createInNamespace(HttpServletRequest request, @PathVariable String namespace,
                                                          @RequestBody NewWebhook body) {
        return create(request, new NewWebhook(namespace, null, body.url(), body.secret(), body.events(),
                body.enabled()));
    }

    @GetMapping("/namespaces/{namespace}/webhooks")
    List<Map<String, Object>> listOfNamespace(HttpServletRequest request, @PathVariable String namespace) {
        return list(request, namespace, null);
    }

    @GetMapping("/webhooks/{id}")
    Map<String, Object> get(HttpServletRequest request, @PathVariable long id) {
        return view(manageable(request, id).webhook());
    }

    @PatchMapping(path = "/webhooks/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> change(HttpServletRequest request, @PathVariable long id, @RequestBody WebhookChange body) {
        Managed managed = manageable(request, id);
        Webhook webhook = managed.webhook();
        Caller caller = managed.caller();
        Webhook changed = webhooks.update(id, body.url() == null ? null : url(body.url()),
                        body.secret() == null ? null : secrets.seal(secret(body.secret())),
                        body.events() == null ? null : events(body.events()), body.enabled())
                .orElseThrow(() -> noSuchWebhook(id));
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("url", changed.url());
        detail.put("events", changed.events());
        detail.put("enabled", changed.enabled());
        detail.put("secretChanged", body.secret() != null);
        audit(WEBHOOK_CHANGED, caller, request, changed, detail);
        return view(changed);
    }

    @DeleteMapping("/webhooks/{id}")
    ResponseEntity<Void> delete(HttpServletRequest request, @PathVariable long id) {
        Managed managed = manageable(request, id);
        Webhook webhook = managed.webhook();
        Caller caller = managed.caller();
        if (webhooks.delete(id)) {
            audit(WEBHOOK_DELETED, caller, request, webhook, Map.of("url", webhook.url()));
        }
        return ResponseEntity.noContent().build();
    }

    /** Queues a {@code ping} event to this webhook alone, whatever it subscribes to. */
    @PostMapping("/webhooks/{id}/ping")
    ResponseEntity<Map<String, Object>> ping(HttpServletRequest request, @PathVariable long id) {
        Managed managed = manageable(request, id);
        Webhook webhook = managed.webhook();
        Caller caller = managed.caller();
        if (!webhook.enabled()) {
            throw ApiException.conflict("webhook " + id + " is disabled; enable it to ping it");
        }
        long delivery = transaction.execute(status -> {
            long queued = events.ping(webhook, caller.actor());
            audit(WEBHOOK_PINGED, caller, request, webhook, Map.of("delivery", queued));
            return queued;
        });
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(deliveryView(id, delivery));
    }

    /** Newest first; {@code next} is the URL of the next page, or null. */
    @GetMapping("/webhooks/{id}/deliveries")
    Map<String, Object> deliveries(HttpServletRequest request, @PathVariable long id,
                                   @RequestParam(defaultValue = "20") int limit,
                                   @RequestParam(required = false) Long before) {
        manageable(request, id);
        if (limit < 1 || limit > MAX_PAGE) {
            throw ApiException.badRequest("limit must be 1 to " + MAX_PAGE);
        }
        List<DeliveryStore.Delivery> page = deliveries.page(id, before, limit);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("deliveries", page);
        answer.put("next", page.size() < limit ? null
                : "/api/v1/webhooks/" + id + "/deliveries?limit=" + limit + "&before=" + page.getLast().id());
        return answer;
    }

    /** One delivery, with the payload it sends. */
    @GetMapping("/webhooks/{id}/deliveries/{deliveryId}")
    Map<String, Object> delivery(HttpServletRequest request, @PathVariable long id, @PathVariable long deliveryId) {
        manageable(request, id);
        return deliveryView(id, deliveryId);
    }

    /** A new delivery of the same event (same payload and event id), due now, with attempts of its own. */
    @PostMapping("/webhooks/{id}/deliveries/{deliveryId}/redeliver")
    ResponseEntity<Map<String, Object>> redeliver(HttpServletRequest request, @PathVariable long id,
                                                  @PathVariable long deliveryId) {
        Managed managed = manageable(request, id);
        Webhook webhook = managed.webhook();
        Caller caller = managed.caller();
        long redelivery = transaction.execute(status -> {
            long queued = deliveries.redeliver(id, deliveryId)
                    .orElseThrow(() -> ApiException.notFound("webhook " + id + " has no delivery " + deliveryId));
            audit(DELIVERY_REDELIVERED, caller, request, webhook, Map.of("delivery", deliveryId, "redelivery", queued));
            events.wakeAfterCommit();
            return queued;
        });
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(deliveryView(id, redelivery));
    }

    /** A webhook the caller may manage, and the caller. */
    private record Managed(Webhook webhook, Caller caller) {
    }

    /** 404 when there is no such webhook, 403 when the caller may not manage it. */
    private Managed manageable(HttpServletRequest request, long id) {
        Webhook webhook = webhooks.find(id).orElseThrow(() -> noSuchWebhook(id));
        return new Managed(webhook, access.mayManage(request, webhook));
    }

    private Map<String, Object> deliveryView(long webhookId, long deliveryId) {
        DeliveryStore.Delivery found = deliveries.find(webhookId, deliveryId)
                .orElseThrow(() -> ApiException.notFound("webhook " + webhookId + " has no delivery " + deliveryId));
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = Json.MAPPER.convertValue(found, LinkedHashMap.class);
        answer.put("payload", deliveries.payload(deliveryId).orElse(null));
        return answer;
    }

    private void audit(String action, Caller caller, HttpServletRequest request, Webhook webhook,
                       Map<String, ?> detail) {
        Map<String, Object> withId = new LinkedHashMap<>();
        withId.put("webhook", webhook.id());
        withId.putAll(detail);
        audit.record(action, caller.actor(), request.getRemoteAddr(), webhook.owningNamespace(), webhook.repository(),
                withId);
    }

    /** The webhook as its admins see it: everything but the secret. */
    private static Map<String, Object> view(Webhook webhook) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", webhook.id());
        view.put("namespace", webhook.namespace());
        view.put("repository", webhook.repository());
        view.put("url", webhook.url());
        view.put("events", webhook.events());
        view.put("enabled", webhook.enabled());
        view.put("createdBy", webhook.createdBy());
        view.put("createdAt", webhook.createdAt().toString());
        view.put("deliveries", "/api/v1/webhooks/" + webhook.id() + "/deliveries");
        return view;
    }

    private String url(String url) {
        try {
            return targets.check(url).toString();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static List<String> events(List<String> events) {
        if (events == null || events.isEmpty() || !WebhookEvent.SUBSCRIBABLE.containsAll(events)) {
            throw ApiException.badRequest("events must be one or more of " + WebhookEvent.SUBSCRIBABLE);
        }
        return List.copyOf(new LinkedHashSet<>(events));
    }

    private static String secret(String secret) {
        if (secret.isEmpty() || secret.length() > MAX_SECRET) {
            throw ApiException.badRequest("secret must have 1 to " + MAX_SECRET + " characters");
        }
        return secret;
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String namespace(String namespace) {
        if (namespace.contains("/")) {
            throw ApiException.badRequest("a namespace is one path component: " + namespace);
        }
        return repository(namespace);
    }

    private static String repository(String repository) {
        return ApiNames.repository(repository).value();
    }

    private static ApiException noSuchWebhook(long id) {
        return ApiException.notFound("no webhook " + id);
    }
}
