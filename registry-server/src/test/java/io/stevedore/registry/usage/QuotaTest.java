package io.stevedore.registry.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.retention.Pushes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Namespace quotas: set by site admins, held to exactly at manifest PUT, freed at once by deletes. */
class QuotaTest extends UsagePushes {
    private static Response push(String authorization, String repository, String tag, Image image) {
        return putManifest(authorization, repository, tag, image.manifest(), IMAGE);
    }

    private static JsonNode setQuota(String namespace, long limit) {
        return api(200, "PUT", "/api/v1/namespaces/" + namespace + "/quota", Map.of("limitBytes", limit),
                adminBasic()).json();
    }

    @Test
    void pushOverQuotaIsRefusedWithTheFiguresAndLeavesNothingVisibleAndDeletingFreesQuotaAtOnce() {
        TestUser alice = newUser("quota");
        String repository = alice.name() + "/app";
        Image first = uploadImage(alice.basic(), repository, 4000);
        assertThat(push(alice.basic(), repository, "1", first).status()).isEqualTo(201);
        long used = namespaceUsage(alice.name());
        assertThat(used).isEqualTo(first.adds());

        long limit = used + 3000;
        JsonNode quota = setQuota(alice.name(), limit);
        assertThat(quota.get("limitBytes").asLong()).isEqualTo(limit);
        assertThat(quota.get("usageBytes").asLong()).isEqualTo(used);
        Image second = uploadImage(alice.basic(), repository, 5000);
        Response refused = push(alice.basic(), repository, "2", second);

        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        JsonNode error = refused.json().get("errors").get(0);
        assertThat(error.get("code").asString()).isEqualTo("DENIED");
        assertThat(error.get("message").asString()).isEqualTo("quota of namespace " + alice.name() + " exceeded: "
                + ByteSizes.human(used) + " used of " + ByteSizes.human(limit) + ", this manifest adds "
                + ByteSizes.human(second.adds()));
        assertThat(error.get("detail").get("manifestAddsBytes").asLong()).isEqualTo(second.adds());
        assertThat(get("/v2/" + repository + "/manifests/2", "Authorization", alice.basic()).status()).isEqualTo(404);
        assertThat(get("/v2/" + repository + "/manifests/" + second.digest(), "Authorization", alice.basic())
                .status()).isEqualTo(404);
        assertThat(namespaceUsage(alice.name())).isEqualTo(used);

        delete(alice.basic(), "/v2/" + repository + "/manifests/" + first.digest());
        assertThat(namespaceUsage(alice.name())).as("freed by the delete itself").isZero();
        assertThat(push(alice.basic(), repository, "2", second).status()).isEqualTo(201);
        assertThat(namespaceUsage(alice.name())).isEqualTo(second.adds());
    }

    @Test
    void uploadsAreRefusedOnceTheNamespaceIsFullButATagForWhatItHoldsIsNot() {
        TestUser alice = newUser("quota");
        String repository = alice.name() + "/app";
        Image image = uploadImage(alice.basic(), repository, 1000);
        assertThat(push(alice.basic(), repository, "1", image).status()).isEqualTo(201);
        setQuota(alice.name(), namespaceUsage(alice.name()));

        Response session = send("POST", "/v2/" + repository + "/blobs/uploads/", null, "Authorization", alice.basic());
        assertThat(session.status()).as(session.body()).isEqualTo(403);
        assertThat(session.json().get("errors").get(0).get("code").asString()).isEqualTo("DENIED");
        assertThat(session.json().get("errors").get(0).get("message").asString())
                .contains("quota of namespace " + alice.name() + " exceeded");
        byte[] blob = "one more blob".getBytes(StandardCharsets.UTF_8);
        String blobUpload = "/v2/" + repository + "/blobs/uploads/?digest="
                + Digest.sha256(blob);
        Response single = send("POST", blobUpload, blob, "Authorization", alice.basic(),
                "Content-Type", "application/octet-stream");
        assertThat(single.status()).as("a single-request upload: " + single.body()).isEqualTo(403);
        assertThat(single.json().get("errors").get(0).get("message").asString())
                .contains("quota of namespace " + alice.name() + " exceeded");
        assertThat(push(alice.basic(), repository, "again", image).status()).as("adds nothing").isEqualTo(201);
        assertThat(push(alice.basic(), alice.name() + "/other", "1", image).status())
                .as("another repository, its blobs not linked there").isEqualTo(400);

        api(204, "DELETE", "/api/v1/namespaces/" + alice.name() + "/quota", null, adminBasic());
        assertThat(send("POST", "/v2/" + repository + "/blobs/uploads/", null, "Authorization", alice.basic())
                .status()).isEqualTo(202);
        assertThat(send("POST", blobUpload, blob, "Authorization", alice.basic(),
                "Content-Type", "application/octet-stream").status()).isEqualTo(201);
    }

    @Test
    void concurrentPushesIntoOneNamespaceCannotJointlyExceedTheQuota() throws Exception {
        TestUser alice = newUser("quota");
        int pushes = 8;
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < pushes; i++) {
            images.add(uploadImage(alice.basic(), alice.name() + "/app" + (i % 2), 10_000));
        }
        long each = images.getFirst().adds();
        assertThat(images).allMatch(image -> image.adds() == each); // same shape, so the same size
        long limit = 3 * each + each / 2;
        setQuota(alice.name(), limit);

        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(pushes)) {
            for (int i = 0; i < pushes; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    start.await();
                    return push(alice.basic(), alice.name() + "/app" + (n % 2), "v" + n, images.get(n)).status();
                }));
            }
            start.countDown();
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> result : results) {
            statuses.add(result.get());
        }
        assertThat(statuses).filteredOn(s -> s == 201).hasSize(3);
        assertThat(statuses).filteredOn(s -> s == 403).hasSize(pushes - 3);
        assertThat(namespaceUsage(alice.name())).isEqualTo(3 * each).isLessThanOrEqualTo(limit);
    }

    @Test
    void aCopyThroughTheImagesApiIsHeldToTheTargetNamespacesQuota() {
        TestUser alice = newUser("quota-copy");
        TestUser bob = newUser("quota-copy");
        String source = alice.name() + "/app";
        Image image = uploadImage(alice.basic(), source, 5000);
        assertThat(push(alice.basic(), source, "1", image).status()).isEqualTo(201);
        setVisibility(alice, source, "public");
        setQuota(bob.name(), image.adds() - 1);

        Response refused = api("POST", "/api/v1/images/" + bob.name() + "/copy/copy", Map.of("from", source + ":1"),
                bob.basic());
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.json().get("message").asString()).startsWith("quota of namespace " + bob.name() + " exceeded");
        assertThat(namespaceUsage(bob.name())).as("nothing of it stored").isZero();
        assertThat(send("GET", "/v2/" + bob.name() + "/copy/manifests/1", null, "Authorization", bob.basic(),
                "Accept", IMAGE).status()).isEqualTo(404);

        setQuota(bob.name(), image.adds());
        api(201, "POST", "/api/v1/images/" + bob.name() + "/copy/copy", Map.of("from", source + ":1"), bob.basic());
        assertThat(namespaceUsage(bob.name())).isEqualTo(image.adds());
    }

    @Test
    void aCopyWhoseReferrersDoNotFitTheQuotaSaysHowToCopyTheImageAlone() {
        TestUser alice = newUser("quota-copy");
        TestUser bob = newUser("quota-copy");
        String source = alice.name() + "/signed";
        Image image = uploadImage(alice.basic(), source, 5000);
        assertThat(push(alice.basic(), source, "1", image).status()).isEqualTo(201);
        new Pushes(alice.basic(), source).referrer(new Pushes.Pushed(image.digest(), image.manifest(), List.of()));
        setVisibility(alice, source, "public");
        setQuota(bob.name(), image.adds());

        Response refused = api("POST", "/api/v1/images/" + bob.name() + "/copy/copy", Map.of("from", source + ":1"),
                bob.basic());
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.json().get("message").asString())
                .startsWith("quota of namespace " + bob.name() + " exceeded").contains("\"referrers\": false");
        assertThat(namespaceUsage(bob.name())).as("nothing of it stored").isZero();

        api(201, "POST", "/api/v1/images/" + bob.name() + "/copy/copy",
                Map.of("from", source + ":1", "referrers", false), bob.basic());
        assertThat(namespaceUsage(bob.name())).isEqualTo(image.adds());
    }

    @Test
    void onlySiteAdminsSetQuotasWhichAreAuditedAndOwnersReadThem() {
        TestUser alice = newUser("quota");
        TestUser bob = newUser("quota");
        String path = "/api/v1/namespaces/" + alice.name() + "/quota";

        assertThat(api("PUT", path, Map.of("limitBytes", 1_000_000), alice.basic()).status()).isEqualTo(403);
        assertThat(api("GET", path, null, alice.basic()).status()).as("no quota yet").isEqualTo(404);
        assertThat(api("PUT", path, Map.of("limitBytes", -1), adminBasic()).status()).isEqualTo(400);
        assertThat(api("PUT", path, Map.of("limitBytes", "lots"), adminBasic()).status()).isEqualTo(400);
        assertThat(api("PUT", "/api/v1/namespaces/no-such-" + alice.name() + "/quota",
                Map.of("limitBytes", 1), adminBasic()).status()).isEqualTo(404);
        setQuota(alice.name(), 1_000_000);
        setQuota(alice.name(), 2_000_000);

        JsonNode read = api(200, "GET", path, null, alice.basic()).json();
        assertThat(read.get("limitBytes").asLong()).isEqualTo(2_000_000);
        assertThat(read.get("usageBytes").asLong()).isZero();
        assertThat(api("GET", path, null, bob.basic()).status()).as("another user's").isEqualTo(404);
        assertThat(api("GET", "/api/v1/namespaces/" + alice.name() + "/usage", null, bob.basic()).status())
                .isEqualTo(404);
        assertThat(api("GET", "/api/v1/usage", null, alice.basic()).status()).isEqualTo(403);
        assertThat(api("DELETE", path, null, alice.basic()).status()).isEqualTo(403);
        api(204, "DELETE", path, null, adminBasic());
        assertThat(api("DELETE", path, null, adminBasic()).status()).isEqualTo(404);

        JsonNode audit = auditEntries("action=quota.set&limit=10");
        assertThat(audit.valueStream().filter(e -> alice.name().equals(e.get("namespace").asString())).toList())
                .hasSize(2).first().satisfies(entry -> {
                    assertThat(entry.get("actor").asString()).isEqualTo("admin");
                    assertThat(entry.get("detail").get("limitBytes").asLong()).isEqualTo(2_000_000);
                    assertThat(entry.get("detail").get("previousLimitBytes").asLong()).isEqualTo(1_000_000);
                });
        assertThat(auditEntries("action=quota.removed&limit=10").valueStream()
                .filter(e -> alice.name().equals(e.get("namespace").asString())).count()).isEqualTo(1);
    }
}
