package io.stevedore.registry.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.registry.StevedoreApplication;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Outbound webhooks against a real server of their own (authentication on, retries and timeouts
 * made short) and receivers on 127.0.0.1: signed push, delete, build and ping deliveries, a
 * receiver that fails before it succeeds, redelivery, a claim lost with its replica, a registry
 * restart while a delivery is pending, and who may manage webhooks.
 */
class WebhooksTest extends AuthRegistryTestSupport {
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static final String WORKER_TOKEN = "worker-" + UUID.randomUUID();
    private static final String SECRET = "it's a secret to everybody";

    private static Path dataDir;
    private static ConfigurableApplicationContext server;
    private static String base;

    /** What a push stored: the manifest's digest and size. */
    record Pushed(String digest, int size) {
    }

    @BeforeAll
    static void startServer() throws IOException {
        dataDir = Files.createDirectories(Path.of("target", "test-registry"))
                .resolve("webhooks-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID()).toAbsolutePath();
        start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void pushDeletesBuildAndPingAreDeliveredSigned() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            TestUser alice = user("alice");
            JsonNode webhook = call(201, "POST", "/api/v1/namespaces/" + alice.name() + "/webhooks", Map.of(
                    "url", receiver.url(), "secret", SECRET, "events", List.of("push", "delete", "build")),
                    alice.basic()).json();
            assertThat(webhook.has("secret")).as("a secret the caller chose is not echoed").isFalse();
            String repository = alice.name() + "/app";

            String missing = "sha256:" + "0".repeat(64);
            assertThat(send("PUT", base + "/v2/" + repository + "/manifests/broken", manifest(missing, 3),
                    "Authorization", alice.basic(), "Content-Type", "application/vnd.oci.image.manifest.v1+json")
                    .status()).as("a push that fails and rolls back").isEqualTo(400);
            Pushed pushed = push(alice, repository, "1");
            WebhookReceiver.Received push = receiver.await(type("push"));
            assertSigned(push, SECRET);
            JsonNode payload = push.json();
            assertThat(payload.get("version").asInt()).isEqualTo(1);
            assertThat(payload.get("actor").asString()).isEqualTo(alice.name());
            assertThat(payload.get("namespace").asString()).isEqualTo(alice.name());
            assertThat(payload.get("repository").asString()).isEqualTo(repository);
            assertThat(payload.get("tag").asString()).isEqualTo("1");
            assertThat(payload.get("digest").asString()).isEqualTo(pushed.digest());
            assertThat(payload.get("size").asLong()).isEqualTo(pushed.size());
            assertThat(payload.get("mediaType").asString()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
            assertThat(Instant.parse(payload.get("timestamp").asString())).isBeforeOrEqualTo(Instant.now());
            assertThat(push.header("X-Stevedore-Delivery")).isNotBlank();

            assertThat(send("DELETE", base + "/v2/" + repository + "/manifests/1", null,
                    "Authorization", alice.basic()).status()).isEqualTo(202);
            JsonNode tagDeleted = receiver.await(type("delete")).json();
            assertThat(tagDeleted.get("target").asString()).isEqualTo("tag");
            assertThat(tagDeleted.get("tag").asString()).isEqualTo("1");
            assertThat(send("DELETE", base + "/v2/" + repository + "/manifests/" + pushed.digest(), null,
                    "Authorization", alice.basic()).status()).isEqualTo(202);
            WebhookReceiver.Received manifestDeleted = receiver.await(type("delete").and(r -> r.json().get("target")
                    .asString().equals("manifest")));
            assertSigned(manifestDeleted, SECRET);
            assertThat(manifestDeleted.json().get("digest").asString()).isEqualTo(pushed.digest());
            call(204, "DELETE", "/api/v1/repositories/" + repository, null, alice.basic());
            JsonNode repositoryDeleted = receiver.await(type("delete").and(r -> r.json().get("target")
                    .asString().equals("repository"))).json();
            assertThat(repositoryDeleted.get("repository").asString()).isEqualTo(repository);
            assertThat(repositoryDeleted.get("actor").asString()).isEqualTo(alice.name());

            long built = submitBuild(alice, repository);
            lease(built);
            String imageDigest = "sha256:" + "ab".repeat(32);
            assertThat(worker("/api/v1/worker/jobs/" + built + "/finish?attempt=1",
                    "{\"status\":\"succeeded\",\"digest\":\"" + imageDigest + "\"}").status()).isEqualTo(204);
            long cancelled = submitBuild(alice, repository);
            call(200, "POST", "/api/v1/builds/" + cancelled + "/cancel", null, alice.basic());
            WebhookReceiver.Received succeeded = receiver.await(build(built, "succeeded"));
            assertSigned(succeeded, SECRET);
            JsonNode build = succeeded.json().get("build");
            assertThat(build.get("digest").asString()).isEqualTo(imageDigest);
            assertThat(build.get("tags").toString()).contains(repository + ":1");
            assertThat(succeeded.json().get("actor").asString()).isEqualTo(alice.name());
            receiver.await(build(built, "queued"));
            receiver.await(build(built, "running"));
            receiver.await(build(cancelled, "queued"));
            receiver.await(build(cancelled, "cancelled"));

            call(202, "POST", "/api/v1/webhooks/" + webhook.get("id").asLong() + "/ping", null, alice.basic());
            assertSigned(receiver.await(type("ping")), SECRET);
            assertThat(receiver.received().stream().filter(type("push")).toList())
                    .as("the push that failed has no event").hasSize(1);
        }
    }

    @Test
    void tagsSetAndDeletedThroughTheImagesApiAreDeliveredAsPushesAndDeletes() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            TestUser alice = user("alice");
            call(201, "POST", "/api/v1/namespaces/" + alice.name() + "/webhooks", Map.of(
                    "url", receiver.url(), "secret", SECRET, "events", List.of("push", "delete")), alice.basic());
            String repository = alice.name() + "/app";
            Pushed pushed = push(alice, repository, "1");
            receiver.await(type("push"));

            call(200, "PUT", "/api/v1/images/" + repository + "/tags/stable", Map.of("source", "1"), alice.basic());
            WebhookReceiver.Received tagged = receiver.await(type("push").and(r -> r.json().get("tag").asString()
                    .equals("stable")));
            assertSigned(tagged, SECRET);
            assertThat(tagged.json().get("digest").asString()).isEqualTo(pushed.digest());
            assertThat(tagged.json().get("size").asLong()).isEqualTo(pushed.size());
            assertThat(tagged.json().get("actor").asString()).isEqualTo(alice.name());

            call(204, "DELETE", "/api/v1/images/" + repository + "/tags/stable", null, alice.basic());
            JsonNode deleted = receiver.await(type("delete")).json();
            assertThat(deleted.get("target").asString()).isEqualTo("tag");
            assertThat(deleted.get("tag").asString()).isEqualTo("stable");
        }
    }

    @Test
    void aFailingReceiverIsRetriedUntilItAnswersAndRedeliverySendsAgain() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start().answering(500, WebhookReceiver.HANG)) {
            TestUser bob = user("bob");
            String repository = bob.name() + "/flaky";
            push(bob, repository, "0"); // the repository exists before its webhook
            JsonNode webhook = call(201, "POST", "/api/v1/webhooks", Map.of("repository", repository,
                    "url", receiver.url(), "events", List.of("push")), bob.basic()).json();
            String secret = webhook.get("secret").asString();
            assertThat(secret).as("a generated secret is shown once").hasSizeGreaterThanOrEqualTo(32);
            long id = webhook.get("id").asLong();
            assertThat(call(200, "GET", "/api/v1/webhooks/" + id, null, bob.basic()).json().has("secret")).isFalse();

            Pushed pushed = push(bob, repository, "1");
            JsonNode delivery = awaitDelivery(bob, id, d -> d.get("status").asString().equals("succeeded"));
            List<JsonNode> attempts = new ArrayList<>();
            delivery.get("attempts").forEach(attempts::add);
            assertThat(attempts).hasSize(3);
            assertThat(attempts.get(0).get("responseCode").asInt()).isEqualTo(500);
            assertThat(attempts.get(0).get("error").asString()).contains("500");
            assertThat(attempts.get(1).get("responseCode").isNull()).isTrue();
            assertThat(attempts.get(1).get("error").asString()).contains("no response within");
            assertThat(attempts.get(2).get("responseCode").asInt()).isEqualTo(200);
            assertThat(attempts.get(2).get("error").isNull()).isTrue();
            assertThat(attempts.get(2).get("responseBody").asString()).isEqualTo("{\"ok\":true}");
            assertThat(delivery.get("responseCode").asInt()).isEqualTo(200);
            assertThat(delivery.get("latencyMs").asLong()).isGreaterThanOrEqualTo(0);
            List<WebhookReceiver.Received> requests = receiver.received();
            assertThat(requests).hasSize(3);
            requests.forEach(r -> assertSigned(r, secret));
            assertThat(requests.stream().map(r -> r.json().get("id").asString()).distinct())
                    .as("every attempt sends the same event").hasSize(1);
            assertThat(requests.getFirst().json().get("digest").asString()).isEqualTo(pushed.digest());

            long original = delivery.get("id").asLong();
            JsonNode redelivery = call(202, "POST", "/api/v1/webhooks/" + id + "/deliveries/" + original
                    + "/redeliver", null, bob.basic()).json();
            assertThat(redelivery.get("redeliveryOf").asLong()).isEqualTo(original);
            long redeliveryId = redelivery.get("id").asLong();
            JsonNode redelivered = awaitDelivery(bob, id, d -> d.get("id").asLong() == redeliveryId
                    && d.get("status").asString().equals("succeeded"));
            assertThat(redelivered.get("attempts")).hasSize(1);
            assertThat(receiver.received()).hasSize(4);
            assertThat(receiver.received().getLast().json().get("id").asString())
                    .isEqualTo(requests.getFirst().json().get("id").asString());

            assertThat(send("GET", base + "/actuator/prometheus", null).body())
                    .contains("stevedore_webhooks_attempts_total{result=\"failure\"}")
                    .contains("stevedore_webhooks_deliveries_total{status=\"succeeded\"}")
                    .contains("stevedore_webhooks_latency_seconds_count").contains("stevedore_webhooks_pending");

            JsonNode page = call(200, "GET", "/api/v1/webhooks/" + id + "/deliveries?limit=1", null, bob.basic())
                    .json();
            assertThat(page.get("deliveries").get(0).get("id").asLong()).as("newest first").isEqualTo(redeliveryId);
            assertThat(page.get("next").asString()).endsWith("before=" + redeliveryId);
        }
    }

    @Test
    void anEventPendingAcrossARegistryRestartIsDelivered() throws Exception {
        TestUser carol = user("carol");
        String repository = carol.name() + "/durable";
        int port = WebhookReceiver.freePort();
        JsonNode webhook = call(201, "POST", "/api/v1/webhooks", Map.of("namespace", carol.name(),
                "url", "http://127.0.0.1:" + port + "/hook", "secret", SECRET, "events", List.of("push")),
                carol.basic()).json();
        long id = webhook.get("id").asLong();
        Pushed pushed = push(carol, repository, "1");
        awaitDelivery(carol, id, d -> d.get("attempts").size() >= 1);

        restart(); // the receiver has been down all along: nothing was delivered before the stop
        try (WebhookReceiver receiver = WebhookReceiver.startOn(port)) {
            WebhookReceiver.Received delivered = receiver.await(type("push"));
            assertSigned(delivered, SECRET);
            assertThat(delivered.json().get("digest").asString()).isEqualTo(pushed.digest());
            JsonNode delivery = awaitDelivery(carol, id, d -> d.get("status").asString().equals("succeeded"));
            List<JsonNode> attempts = new ArrayList<>();
            delivery.get("attempts").forEach(attempts::add);
            assertThat(attempts.getFirst().get("error").asString()).contains("could not connect");
            assertThat(attempts.getLast().get("responseCode").asInt()).isEqualTo(200);
        }
    }

    @Test
    void aDeliveryClaimedByAReplicaThatDiedIsSentWhenItsLeaseRunsOut() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            TestUser frank = user("frank");
            long id = call(201, "POST", "/api/v1/webhooks", Map.of("namespace", frank.name(), "url", receiver.url(),
                    "secret", SECRET, "events", List.of("push")), frank.basic()).json().get("id").asLong();
            DeliveryStore deliveries = server.getBean(DeliveryStore.class);
            String digest = "sha256:" + "cd".repeat(32);
            // What a replica leaves behind when it dies right after claiming: the claim is made in the
            // event's own transaction, so this server's deliverer cannot take the delivery first.
            List<DeliveryStore.Claimed> claimed = server.getBean(TransactionTemplate.class).execute(status -> {
                server.getBean(WebhookEvents.class).record(WebhookEvent.push(frank.name(), frank.name() + "/app", "1",
                        digest, "application/vnd.oci.image.manifest.v1+json", 400));
                return deliveries.claim(10, Duration.ofSeconds(2));
            });
            assertThat(claimed).anyMatch(c -> c.webhookId() == id);

            WebhookReceiver.Received delivered = receiver.await(type("push"));
            assertSigned(delivered, SECRET);
            assertThat(delivered.json().get("digest").asString()).isEqualTo(digest);
            JsonNode delivery = awaitDelivery(frank, id, d -> d.get("status").asString().equals("succeeded"));
            assertThat(delivery.get("attempts")).hasSize(1);
            assertThat(delivery.get("attempts").get(0).get("attempt").asInt()).as("the lost claim was attempt 1")
                    .isEqualTo(2);
        }
    }

    @Test
    void secretsAreKeptOnlySealedAndThoseKeptPlainBeforeAreSealedAtStart() throws Exception {
        TestUser grace = user("grace");
        int port = WebhookReceiver.freePort();
        Map<Long, String> secrets = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            String secret = "the receiver's secret " + UUID.randomUUID();
            long id = call(201, "POST", "/api/v1/webhooks", Map.of("namespace", grace.name(),
                    "url", "http://127.0.0.1:" + port + "/hook", "secret", secret, "events", List.of("push")),
                    grace.basic()).json().get("id").asLong();
            assertSealed(id, secret);
            secrets.put(id, secret);
        }
        // the second as V10 kept every secret: in plain text
        long keptPlain = secrets.keySet().stream().skip(1).findFirst().orElseThrow();
        server.getBean(JdbcClient.class).sql("update webhooks set secret = ?, sealed_secret = null where id = ?")
                .params(secrets.get(keptPlain), keptPlain).update();

        restart();
        assertSealed(keptPlain, secrets.get(keptPlain));
        call(200, "PATCH", "/api/v1/webhooks/" + keptPlain, Map.of("events", List.of("push", "delete")),
                grace.basic());
        assertSealed(keptPlain, secrets.get(keptPlain)); // a change without a secret keeps the sealed one
        try (WebhookReceiver receiver = WebhookReceiver.startOn(port)) {
            for (Map.Entry<Long, String> webhook : secrets.entrySet()) {
                call(202, "POST", "/api/v1/webhooks/" + webhook.getKey() + "/ping", null, grace.basic());
                long id = webhook.getKey();
                assertSigned(receiver.await(type("ping").and(r -> r.json().get("webhook").asLong() == id)),
                        webhook.getValue());
            }
        }
    }

    @Test
    void aSecretThatCannotBeOpenedFailsOnlyItsOwnDeliveries() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            TestUser heidi = user("heidi");
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ids.add(call(201, "POST", "/api/v1/webhooks", Map.of("namespace", heidi.name(), "url", receiver.url(),
                        "secret", SECRET, "events", List.of("push")), heidi.basic()).json().get("id").asLong());
            }
            // sealed under some other key: what a changed registry.builds.secret-key leaves behind
            server.getBean(JdbcClient.class).sql("update webhooks set sealed_secret = ? where id = ?")
                    .params(new byte[40], ids.getFirst()).update();

            push(heidi, heidi.name() + "/app", "1");
            assertSigned(receiver.await(type("push").and(r -> r.header(WebhookSignature.DELIVERY_HEADER) != null)),
                    SECRET);
            JsonNode failed = awaitDelivery(heidi, ids.getFirst(), d -> d.get("attempts").size() >= 1);
            assertThat(failed.get("attempts").get(0).get("error").asString()).contains("cannot be opened");
            assertThat(receiver.received()).as("only the other webhook's delivery arrived").hasSize(1);
        }
    }

    /** The database holds the webhook's secret only sealed: no plain column, no plain bytes in the sealed one. */
    private static void assertSealed(long webhookId, String secret) {
        Map<String, Object> row = server.getBean(JdbcClient.class)
                .sql("select secret, sealed_secret from webhooks where id = ?").param(webhookId).query().singleRow();
        assertThat(row.get("secret")).as("the plain secret column").isNull();
        byte[] sealed = (byte[]) row.get("sealed_secret");
        assertThat(sealed).as("the sealed secret").isNotNull();
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(secret);
    }

    @Test
    void onlyAdminsManageWebhooks() throws Exception {
        TestUser dave = user("dave");
        TestUser eve = user("eve");
        String repository = dave.name() + "/app";
        push(dave, repository, "1");
        Map<String, Object> onNamespace = Map.of("namespace", dave.name(), "url", "http://127.0.0.1:9/x",
                "events", List.of("push"));
        assertThat(call("POST", "/api/v1/webhooks", onNamespace, eve.basic()).status()).isEqualTo(403);
        assertThat(call("POST", "/api/v1/webhooks", Map.of("repository", repository, "url", "http://127.0.0.1:9/x",
                "events", List.of("push")), eve.basic()).status()).isEqualTo(403);
        assertThat(call("GET", "/api/v1/webhooks?namespace=" + dave.name(), null, eve.basic()).status()).isEqualTo(403);
        assertThat(call("GET", "/api/v1/webhooks?repository=" + repository, null, eve.basic()).status()).isEqualTo(403);
        assertThat(call("GET", "/api/v1/webhooks?namespace=" + dave.name(), null, null).status()).isEqualTo(401);

        setVisibility(dave, repository);
        assertThat(call("POST", "/api/v1/webhooks", Map.of("repository", repository, "url", "http://127.0.0.1:9/x",
                "events", List.of("push")), eve.basic()).status()).as("pulling a public repository is not enough")
                .isEqualTo(403);

        long id = call(201, "POST", "/api/v1/webhooks", onNamespace, dave.basic()).json().get("id").asLong();
        JsonNode listed = call(200, "GET", "/api/v1/webhooks?namespace=" + dave.name(), null, dave.basic()).json();
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).has("secret")).isFalse();
        for (String[] request : List.of(new String[] {"GET", ""}, new String[] {"GET", "/deliveries"},
                new String[] {"POST", "/ping"}, new String[] {"DELETE", ""})) {
            assertThat(call(request[0], "/api/v1/webhooks/" + id + request[1], null, eve.basic()).status())
                    .as("%s %s by another user", request[0], request[1]).isEqualTo(403);
        }
        assertThat(call("PATCH", "/api/v1/webhooks/" + id, Map.of("enabled", false), eve.basic()).status())
                .isEqualTo(403);

        JsonNode changed = call(200, "PATCH", "/api/v1/webhooks/" + id, Map.of("enabled", false,
                "secret", "another secret"), dave.basic()).json();
        assertThat(changed.get("enabled").asBoolean()).isFalse();
        assertThat(changed.has("secret")).isFalse();
        assertThat(call("POST", "/api/v1/webhooks/" + id + "/ping", null, dave.basic()).status())
                .as("pinging a disabled webhook").isEqualTo(409);
        assertThat(call("POST", "/api/v1/webhooks", Map.of("namespace", dave.name(), "url", "ftp://example.com/",
                "events", List.of("push")), dave.basic()).status()).isEqualTo(400);
        assertThat(call("POST", "/api/v1/webhooks", Map.of("namespace", dave.name(), "url", "http://example.com/",
                "events", List.of("pull")), dave.basic()).status()).isEqualTo(400);
        assertThat(call("POST", "/api/v1/webhooks", Map.of("namespace", dave.name(), "repository", repository,
                "url", "http://example.com/", "events", List.of("push")), dave.basic()).status()).isEqualTo(400);
        assertThat(auditEntriesOf(dave, "webhook.changed")).hasSize(1);
        assertThat(call("POST", "/api/v1/webhooks", Map.of("namespace", "nobody-" + UUID.randomUUID(),
                "url", "http://example.com/", "events", List.of("push")), basic("admin", ADMIN_PASSWORD)).status())
                .as("a namespace no user or organization has").isEqualTo(404);
        call(204, "DELETE", "/api/v1/webhooks/" + id, null, dave.basic());
        assertThat(call("GET", "/api/v1/webhooks/" + id, null, dave.basic()).status()).isEqualTo(404);
    }

    // ---- the server, and requests to it

    private static void start() {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                "--registry.data-dir=" + dataDir, "--registry.auth.enabled=true",
                "--registry.auth.admin-password=" + ADMIN_PASSWORD,
                "--registry.builds.worker-token=" + WORKER_TOKEN, "--registry.builds.embedded-worker=false",
                "--registry.webhooks.retry-delay=200ms", "--registry.webhooks.max-retry-delay=1s",
                "--registry.webhooks.connect-timeout=2s", "--registry.webhooks.read-timeout=1s",
                "--registry.webhooks.poll-interval=100ms", "--registry.webhooks.max-attempts=1000"));
        args.addAll(RegistryTestSupport.externalDatasourceArguments());
        server = new SpringApplicationBuilder(StevedoreApplication.class).run(args.toArray(String[]::new));
        base = "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
    }

    /** Stops the registry (its Spring context, the embedded PostgreSQL with it), then starts it on the same data. */
    private static void restart() {
        server.close();
        start();
    }

    private static Response call(String method, String path, Object body, String authorization) {
        List<String> headers = new ArrayList<>();
        if (authorization != null) {
            headers.addAll(List.of("Authorization", authorization));
        }
        if (body != null) {
            headers.addAll(List.of("Content-Type", "application/json"));
        }
        return send(method, base + path, body == null ? null : Json.MAPPER.writeValueAsBytes(body),
                headers.toArray(String[]::new));
    }

    private static Response call(int expected, String method, String path, Object body, String authorization) {
        Response response = call(method, path, body, authorization);
        assertThat(response.status()).as("%s %s: %s", method, path, response.body()).isEqualTo(expected);
        return response;
    }

    private static TestUser user(String prefix) {
        TestUser user = new TestUser(prefix + "-" + UUID.randomUUID().toString().substring(0, 8),
                "pw-" + UUID.randomUUID());
        call(201, "POST", "/api/v1/users", Map.of("username", user.name(), "password", user.password()),
                basic("admin", ADMIN_PASSWORD));
        return user;
    }

    private static void setVisibility(TestUser owner, String repository) {
        call(200, "PATCH", "/api/v1/repositories/" + repository, Map.of("visibility", "public"), owner.basic());
    }

    private static JsonNode auditEntriesOf(TestUser user, String action) {
        return call(200, "GET", "/api/v1/audit?action=" + action, null, user.basic()).json().get("entries");
    }

    /** The smallest image: a unique config blob and a manifest without layers. */
    private static Pushed push(TestUser user, String repository, String tag) {
        byte[] config = Json.MAPPER.writeValueAsBytes(Map.of("architecture", "amd64", "os", "linux",
                "rootfs", Map.of("type", "layers", "diff_ids", List.of()), "nonce", UUID.randomUUID().toString()));
        String configDigest = sha256(config);
        assertThat(send("POST", base + "/v2/" + repository + "/blobs/uploads/?digest=" + configDigest, config,
                "Authorization", user.basic(), "Content-Type", "application/octet-stream").status()).isEqualTo(201);
        byte[] manifest = manifest(configDigest, config.length);
        Response put = send("PUT", base + "/v2/" + repository + "/manifests/" + tag, manifest,
                "Authorization", user.basic(), "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        return new Pushed(sha256(manifest), manifest.length);
    }

    private static long submitBuild(TestUser user, String repository) {
        return call(202, "POST", "/api/v1/builds", Map.of("tags", List.of(repository + ":1"),
                "git", Map.of("url", "https://example.com/app.git")), user.basic()).json().get("id").asLong();
    }

    /** Leases build {@code id} as a worker would (the only queued build of this server by then). */
    private static void lease(long id) {
        Response job = worker("/api/v1/worker/jobs", "{\"worker\":\"w1\",\"waitSeconds\":5}");
        assertThat(job.status()).as(job.body()).isEqualTo(200);
        assertThat(job.json().get("build").asLong()).isEqualTo(id);
    }

    private static Response worker(String path, String body) {
        return send("POST", base + path, body.getBytes(StandardCharsets.UTF_8), "Authorization",
                "Bearer " + WORKER_TOKEN, "Content-Type", "application/json");
    }

    /** Polls the webhook's delivery log (at most a minute) until its newest-first page holds a delivery matching. */
    private static JsonNode awaitDelivery(TestUser user, long webhookId, Predicate<JsonNode> which)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        JsonNode deliveries = null;
        while (Instant.now().isBefore(deadline)) {
            deliveries = call(200, "GET", "/api/v1/webhooks/" + webhookId + "/deliveries", null, user.basic())
                    .json().get("deliveries");
            for (JsonNode delivery : deliveries) {
                if (which.test(delivery)) {
                    return delivery;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no such delivery within a minute: " + deliveries);
    }

    private static Predicate<WebhookReceiver.Received> type(String type) {
        return r -> type.equals(r.header("X-Stevedore-Event")) && r.json().get("type").asString().equals(type);
    }

    private static Predicate<WebhookReceiver.Received> build(long id, String status) {
        return type("build").and(r -> r.json().get("build").get("id").asLong() == id
                && r.json().get("build").get("status").asString().equals(status));
    }

    /** Verifies both signatures as a receiver would: over the body, and over "timestamp.body". */
    private static void assertSigned(WebhookReceiver.Received request, String secret) {
        assertThat(request.header("X-Stevedore-Signature-256")).isEqualTo("sha256=" + hmac(secret, request.body()));
        String timestamp = request.header("X-Stevedore-Timestamp");
        assertThat(Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp))).isLessThan(600);
        byte[] timestamped = (timestamp + "." + new String(request.body(), StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        assertThat(request.header("X-Stevedore-Timestamp-Signature-256"))
                .isEqualTo("sha256=" + hmac(secret, timestamped));
    }

    private static String hmac(String secret, byte[] content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(content));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
