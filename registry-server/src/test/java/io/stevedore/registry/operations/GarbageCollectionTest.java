package io.stevedore.registry.operations;

import static io.stevedore.registry.operations.GcRegistry.imageManifest;
import static io.stevedore.registry.operations.GcRegistry.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.registry.gc.GcRun;
import io.stevedore.registry.operations.GcRegistry.Response;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadWriter;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Online garbage collection, one behaviour at a time, on fs or S3 as the build runs it. */
class GarbageCollectionTest {
    private static final Duration NO_GRACE = Duration.ZERO;
    private static final Duration LONG_GRACE = Duration.ofHours(1);
    private static final int RACES = 25;
    private static GcRegistry registry;

    @BeforeAll
    static void start() throws Exception {
        registry = GcRegistry.get();
    }

    private static String repository(String what) {
        return "gc/" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void blobUploadedButNotYetReferencedSurvivesCollectionWithinTheGraceAndGoesAfterIt() throws Exception {
        String repository = repository("pending");
        byte[] layer = randomBytes(3000);
        assertThat(registry.uploadBlob(repository, layer)).isEqualTo(201);

        registry.collect(LONG_GRACE);
        assertThat(registry.serves(repository, layer)).isTrue();

        GcRun run = registry.collect(NO_GRACE);
        assertThat(registry.serves(repository, layer)).isFalse();
        assertThat(registry.blobRow(Digest.sha256(layer))).isFalse();
        assertThat(registry.inStore(Digest.sha256(layer))).isFalse();
        assertThat(run.counts().linksRemoved()).isGreaterThanOrEqualTo(1);
        assertThat(run.counts().blobsDeleted()).isGreaterThanOrEqualTo(1);
        assertThat(run.counts().bytesFreed()).isGreaterThanOrEqualTo(layer.length);
        assertThat(registry.meters().find("stevedore.gc.blobs.deleted").counter().count()).isPositive();
    }

    @Test
    void manifestPushRacingCollectionKeepsItsBlobsOrFailsWithBlobUnknown() throws Exception {
        int pushed = 0;
        for (int i = 0; i < RACES; i++) {
            String repository = repository("race-put");
            byte[] config = randomBytes(200);
            byte[] layer = randomBytes(2000);
            assertThat(registry.uploadBlob(repository, config)).isEqualTo(201);
            assertThat(registry.uploadBlob(repository, layer)).isEqualTo(201);
            byte[] manifest = imageManifest(config, List.of(layer));
            CyclicBarrier start = new CyclicBarrier(2);
            CompletableFuture<GcRun> collection = CompletableFuture.supplyAsync(() -> {
                await(start);
                return registry.collect(NO_GRACE);
            });
            await(start);
            Response put = registry.putManifest(repository, "latest", manifest, GcRegistry.MANIFEST);
            collection.join();
            if (put.status() == 201) {
                pushed++;
                registry.collect(NO_GRACE); // referenced now: nothing of it may go
                assertThat(registry.serves(repository, config)).as("config of pushed image %d", i).isTrue();
                assertThat(registry.serves(repository, layer)).as("layer of pushed image %d", i).isTrue();
            } else {
                assertThat(put.status()).as(put.text()).isEqualTo(400);
                assertThat(put.text()).contains("MANIFEST_BLOB_UNKNOWN");
            }
        }
        System.out.printf("manifest pushes racing a collection: %d of %d succeeded%n", pushed, RACES);
    }

    @Test
    void blobReuploadedWhileCollectionDeletesItEndsWithItsBytesPresent() throws Exception {
        for (int i = 0; i < RACES; i++) {
            String first = repository("race-first");
            String second = repository("race-second");
            byte[] layer = randomBytes(4000);
            Digest digest = Digest.sha256(layer);
            assertThat(registry.uploadBlob(first, layer)).isEqualTo(201);
            assertThat(registry.send("DELETE", "/v2/" + first + "/blobs/" + digest, null).status()).isEqualTo(202);
            // the first copy is long unreferenced; the re-upload's link is within the grace
            registry.jdbc().sql("update blobs set created_at = now() - interval '2 hours' where digest = ?")
                    .param(digest.toString()).update();
            CyclicBarrier start = new CyclicBarrier(2);
            CompletableFuture<GcRun> collection = CompletableFuture.supplyAsync(() -> {
                await(start);
                return registry.collect(LONG_GRACE);
            });
            await(start);
            int uploaded = registry.uploadBlob(second, layer);
            collection.join();
            assertThat(uploaded).isEqualTo(201);
            assertThat(registry.serves(second, layer)).as("re-uploaded blob %d", i).isTrue();
            assertThat(registry.blobRow(digest)).isTrue();
            assertThat(registry.inStore(digest)).isTrue();
        }
    }

    @Test
    void deletingARepositoryFreesTheBlobsNoOtherRepositoryUses() throws Exception {
        String deleted = repository("deleted");
        String kept = repository("kept");
        byte[] shared = randomBytes(5000);
        byte[] own = randomBytes(6000);
        byte[] deletedConfig = randomBytes(100);
        byte[] keptConfig = randomBytes(100);
        pushImage(deleted, "v1", deletedConfig, List.of(shared, own));
        pushImage(kept, "v1", keptConfig, List.of(shared));

        assertThat(registry.send("DELETE", "/api/v1/repositories/" + deleted, null).status()).isEqualTo(204);
        assertThat(registry.send("DELETE", "/api/v1/repositories/" + deleted, null).status()).isEqualTo(404);
        registry.collect(NO_GRACE);

        for (byte[] gone : List.of(own, deletedConfig)) {
            assertThat(registry.blobRow(Digest.sha256(gone))).isFalse();
            assertThat(registry.inStore(Digest.sha256(gone))).isFalse();
        }
        assertThat(registry.serves(kept, shared)).isTrue();
        assertThat(registry.serves(kept, keptConfig)).isTrue();
        JsonNode audit = Json.MAPPER.readTree(registry.send("GET",
                "/api/v1/audit?action=repository.deleted&repository=" + deleted, null).body());
        assertThat(audit.get("entries")).hasSize(1);
    }

    @Test
    void deletingATagLeavesTheBlobsToItsManifestAndDeletingTheManifestFreesThem() throws Exception {
        String repository = repository("manifest");
        byte[] config = randomBytes(150);
        byte[] layer = randomBytes(7000);
        Digest manifest = pushImage(repository, "v1", config, List.of(layer));

        assertThat(registry.send("DELETE", "/v2/" + repository + "/manifests/v1", null).status()).isEqualTo(202);
        registry.collect(NO_GRACE);
        assertThat(registry.serves(repository, layer)).as("the untagged manifest still names it").isTrue();

        assertThat(registry.send("DELETE", "/v2/" + repository + "/manifests/" + manifest, null).status())
                .isEqualTo(202);
        registry.collect(NO_GRACE);
        assertThat(registry.inStore(Digest.sha256(layer))).isFalse();
        assertThat(registry.inStore(Digest.sha256(config))).isFalse();
    }

    @Test
    void filesTheStoreHoldsWithoutABlobRowAreDeletedOnlyAfterTheGrace() throws Exception {
        byte[] leftover = randomBytes(3000);
        Digest digest = Digest.sha256(leftover);
        try (UploadWriter writer = registry.store().upload(UploadIds.newId())) {
            writer.append(new ByteArrayInputStream(leftover));
            writer.commit(digest); // as if the process died before recording it
        }
        registry.collect(NO_GRACE); // first sighting without a row: its grace starts
        registry.collect(LONG_GRACE);
        assertThat(registry.inStore(digest)).isTrue();

        // first seen by the runs above: due now
        GcRun run = registry.collect(NO_GRACE);
        assertThat(registry.inStore(digest)).isFalse();
        assertThat(run.counts().orphanFilesDeleted()).isGreaterThanOrEqualTo(1);
        assertThat(run.counts().bytesFreed()).isGreaterThanOrEqualTo(leftover.length);
    }

    @Test
    void onlyCollectionsAfterTheWalkIntervalWalkTheStoreAndAnyCollectionDeletesTheOrphansAWalkNoted()
            throws Exception {
        Duration hour = Duration.ofHours(1);
        assertThat(registry.collect(NO_GRACE, Duration.ZERO).storeWalked()).isTrue();
        byte[] leftover = randomBytes(2000);
        Digest digest = Digest.sha256(leftover);
        try (UploadWriter writer = registry.store().upload(UploadIds.newId())) {
            writer.append(new ByteArrayInputStream(leftover));
            writer.commit(digest); // as if the process died before recording it
        }
        GcRun withinTheInterval = registry.collect(NO_GRACE, hour);
        assertThat(withinTheInterval.storeWalked()).as("a walk ran less than an hour ago").isFalse();
        assertThat(registry.inStore(digest)).as("not seen by any walk yet").isTrue();

        Thread.sleep(20);
        GcRun afterTheInterval = registry.collect(NO_GRACE, Duration.ofMillis(10));
        assertThat(afterTheInterval.storeWalked()).isTrue();
        assertThat(registry.inStore(digest)).as("first sighting: its grace starts").isTrue();

        GcRun next = registry.collect(NO_GRACE, hour);
        assertThat(next.storeWalked()).isFalse();
        assertThat(registry.inStore(digest)).as("noted by the walk, due after the grace").isFalse();
        assertThat(next.counts().orphanFilesDeleted()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void onlyASiteAdminRunsCollectionsAndReadsTheRuns() {
        String user = "gc-user-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        Response created = registry.send("POST", "/api/v1/users", Json.MAPPER.writeValueAsBytes(
                Map.of("username", user, "password", password)), "Content-Type", "application/json");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String basic = GcRegistry.basic(user, password);

        assertThat(registry.send("POST", "/api/v1/gc", null, "Authorization", basic).status()).isEqualTo(403);
        assertThat(registry.send("GET", "/api/v1/gc/runs", null, "Authorization", basic).status()).isEqualTo(403);
        assertThat(registry.send("POST", "/api/v1/gc", null, "Authorization", "Basic Og==").status())
                .isEqualTo(401);
        String someoneElses = repository("not-yours");
        pushImage(someoneElses, "v1", randomBytes(100), List.of());
        assertThat(registry.send("DELETE", "/api/v1/repositories/" + someoneElses, null, "Authorization", basic)
                .status()).isIn(403, 404);

        Response run = registry.send("POST", "/api/v1/gc", null);
        assertThat(run.status()).as(run.text()).isEqualTo(200);
        JsonNode ran = Json.MAPPER.readTree(run.body());
        assertThat(ran.get("trigger").asString()).isEqualTo("api");
        assertThat(ran.get("requestedBy").asString()).isEqualTo("admin");
        assertThat(ran.get("finishedAt").isNull()).isFalse();
        assertThat(ran.get("counts").has("blobsDeleted")).isTrue();
        Response walking = registry.send("POST", "/api/v1/gc?walk=true", null);
        assertThat(walking.status()).as(walking.text()).isEqualTo(200);
        JsonNode walked = Json.MAPPER.readTree(walking.body());
        assertThat(walked.get("storeWalked").asBoolean()).isTrue();
        assertThat(registry.send("POST", "/api/v1/gc?walk=maybe", null).status()).isEqualTo(400);

        Response runs = registry.send("GET", "/api/v1/gc/runs?limit=5", null);
        assertThat(runs.status()).isEqualTo(200);
        JsonNode listed = Json.MAPPER.readTree(runs.body());
        assertThat(listed.get(0).get("id").asLong()).isEqualTo(walked.get("id").asLong());
        assertThat(listed.get(1).get("id").asLong()).isEqualTo(ran.get("id").asLong());
        assertThat(registry.send("GET", "/api/v1/gc/runs?limit=nope", null).status()).isEqualTo(400);
    }

    private static Digest pushImage(String repository, String tag, byte[] config, List<byte[]> layers) {
        assertThat(registry.uploadBlob(repository, config)).isEqualTo(201);
        for (byte[] layer : layers) {
            assertThat(registry.uploadBlob(repository, layer)).isEqualTo(201);
        }
        byte[] manifest = imageManifest(config, layers);
        Response put = registry.putManifest(repository, tag, manifest, GcRegistry.MANIFEST);
        assertThat(put.status()).as(put.text()).isEqualTo(201);
        return Digest.sha256(manifest);
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
