package io.stevedore.registry.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.stevedore.client.RegistryClient;
import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.registry.AuthRegistryTestSupport;
import io.stevedore.registry.gc.GarbageCollector;
import io.stevedore.registry.gc.GcRun;
import io.stevedore.registry.metadata.BlobRecordStore;
import io.stevedore.registry.proxy.FaultyUpstream.Mode;
import io.stevedore.registry.proxy.ProxyTestServers.ProxyServer;
import io.stevedore.registry.proxy.ProxyTestServers.UpstreamArgs;
import io.stevedore.registry.proxy.TestImages.Blob;
import io.stevedore.registry.proxy.TestImages.Image;
import io.stevedore.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The pull-through cache against real upstreams: CNCF Distribution (behind a fault-injecting
 * proxy, and a second one that is stopped mid-test) and a second Stevedore with authentication,
 * which the cache signs in to with configured credentials. The cache itself is a Stevedore of its
 * own with authentication on.
 */
class PullThroughCacheTest extends AuthRegistryTestSupport {
    private static final String ACCEPT = String.join(", ", TestImages.OCI_MANIFEST, TestImages.OCI_INDEX,
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    static Path work;

    private static DistributionRegistry distribution;
    private static DistributionRegistry doomed;
    private static FaultyUpstream faults;
    private static ProxyServer cache;
    private static RegistryClient toDistribution;
    private static RegistryClient toDoomed;

    @BeforeAll
    static void startUpstreamsAndCache() throws Exception {
        distribution = DistributionRegistry.start(Files.createDirectories(work.resolve("distribution")));
        doomed = DistributionRegistry.start(Files.createDirectories(work.resolve("doomed")));
        faults = new FaultyUpstream(distribution.url());
        Path passwordFile = work.resolve("stevedore-upstream.password");
        Files.writeString(passwordFile, adminPassword() + "\n");
        cache = ProxyTestServers.start("proxy", List.of(
                new UpstreamArgs("dist", faults.url(), "1h", List.of()),
                new UpstreamArgs("stale", faults.url(), "0s", List.of()),
                new UpstreamArgs("doomed", doomed.url(), "1h", List.of()),
                new UpstreamArgs("lib", distribution.url(), "1h", List.of("library-prefix=true")),
                new UpstreamArgs("open", faults.url(), "1h", List.of("anonymous-pull=true")),
                new UpstreamArgs("slow", faults.url(), "0s", List.of("timeout=1s")),
                new UpstreamArgs("sd", authRegistryUrl(), "1h",
                        List.of("username=admin", "password-file=" + passwordFile))));
        toDistribution = RegistryClient.builder(distribution.host()).build();
        toDoomed = RegistryClient.builder(doomed.host()).build();
    }

    @AfterAll
    static void stopAll() throws Exception {
        if (cache != null) {
            cache.close();
        }
        if (faults != null) {
            faults.close();
        }
        for (DistributionRegistry registry : new DistributionRegistry[] {distribution, doomed}) {
            if (registry != null) {
                registry.close();
            }
        }
    }

    @AfterEach
    void upstreamBackToNormal() {
        faults.release();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    // ---- first and cached pulls

    @Test
    void firstPullFetchesFromTheUpstreamAndCachedPullsDoNotTouchIt() throws Exception {
        String repository = unique("tools/app");
        Image image = TestImages.image("amd64", 300_000, 1);
        TestImages.push(toDistribution, repository, image, "1");

        Pulled first = pull("dist/" + repository, "1");
        assertThat(first.manifestDigest()).isEqualTo(image.manifest().digest());
        int upstreamRequests = faults.total();

        faults.mode(Mode.SERVER_ERROR); // anything that still went upstream would now fail
        Pulled cached = pull("dist/" + repository, "1");
        assertThat(cached.manifestDigest()).isEqualTo(image.manifest().digest());
        assertThat(faults.total()).as("requests the upstream saw for the cached pull").isEqualTo(upstreamRequests);

        JsonNode tags = Json.MAPPER.readTree(fromCache("/v2/dist/" + repository + "/tags/list", null).body());
        assertThat(tags.get("tags").toString()).isEqualTo("[\"1\"]");
        assertThat(auditEntriesOfCache("dist/" + repository)).as("audit rows of the fetches").hasSize(3);
    }

    @Test
    void singleComponentNamesMapToLibraryOnUpstreamsConfiguredSo() throws Exception {
        String name = unique("busy");
        Image image = TestImages.image("amd64", 1_000, 2);
        TestImages.push(toDistribution, "library/" + name, image, "latest");

        assertThat(pull("lib/" + name, "latest").manifestDigest()).isEqualTo(image.manifest().digest());
    }

    @Test
    void skopeoCopiesAMultiPlatformIndexThroughTheCacheFirstAndCached() throws Exception {
        assumeTrue(onPath("skopeo"), "skopeo is not installed (apt-get install skopeo); skipping");
        String repository = unique("tools/multi");
        List<Image> images = List.of(TestImages.image("amd64", 200_000, 3), TestImages.image("arm64", 200_000, 4));
        Blob index = TestImages.pushIndex(toDistribution, repository, images, "1");
        String source = "docker://" + cache.host() + "/dist/" + repository + ":1";
        String creds = "admin:" + cache.adminPassword();

        run("skopeo", "copy", "--all", "--src-tls-verify=false", "--src-creds", creds, source,
                "oci:" + work.resolve("first-" + repository.replace('/', '-')) + ":1");
        byte[] raw = run("skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", creds, source)
                .getBytes(StandardCharsets.UTF_8);
        assertThat(Digest.sha256(raw)).isEqualTo(index.digest());
        int upstreamRequests = faults.total();

        faults.mode(Mode.SERVER_ERROR);
        run("skopeo", "copy", "--all", "--src-tls-verify=false", "--src-creds", creds, source,
                "oci:" + work.resolve("cached-" + repository.replace('/', '-')) + ":1");
        assertThat(faults.total()).as("requests the upstream saw for the cached copy").isEqualTo(upstreamRequests);
    }

    @Test
    void dockerPullsThroughTheCacheFirstAndCached() throws Exception {
        assumeTrue(onPath("docker"), "docker is not installed (apt-get install docker.io); skipping");
        assumeTrue(runStatus("docker", "info", "--format", "{{.ServerVersion}}") == 0,
                "no Docker daemon answers `docker info` (start dockerd); skipping");
        String repository = unique("tools/docker");
        Image image = TestImages.image("amd64", 100_000, 5);
        TestImages.push(toDistribution, repository, image, "1");
        String reference = cache.host() + "/dist/" + repository + ":1";
        runWithInput(cache.adminPassword(), "docker", "login", "-u", "admin", "--password-stdin", cache.host());
        try {
            run("docker", "pull", reference);
            run("docker", "rmi", reference);
            faults.mode(Mode.SERVER_ERROR);
            int upstreamRequests = faults.total();
            run("docker", "pull", reference);
            assertThat(faults.total()).isEqualTo(upstreamRequests);
        } finally {
            runStatus("docker", "rmi", reference);
            runStatus("docker", "logout", cache.host());
        }
    }

    @Test
    void anAuthenticatedStevedoreUpstreamIsPulledWithTheConfiguredCredentials() throws Exception {
        String repository = "admin/" + unique("app");
        String digest = pushImage(adminBasic(), repository, "1");

        assertThat(pull("sd/" + repository, "1").manifestDigest().toString()).isEqualTo(digest);
        MeterRegistry meters = cache.context().getBean(MeterRegistry.class);
        assertThat(meters.get("stevedore.proxy.misses").tag("upstream", "sd").counters()).isNotEmpty();
    }

    // ---- concurrency

    @Test
    void concurrentFirstPullsOfABlobFetchItFromTheUpstreamOnce() throws Exception {
        String repository = unique("tools/big");
        Image image = TestImages.image("amd64", 6_000_000, 6);
        pushUpstreamAndFetchItsManifest(repository, image);
        String layerPath = "/v2/" + repository + "/blobs/" + image.layer().digest();

        faults.mode(Mode.HOLD); // the first fetch waits upstream while the other pulls arrive
        int pullers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(pullers);
        try {
            List<Future<HttpResponse<byte[]>>> pulls = new ArrayList<>();
            for (int i = 0; i < pullers; i++) {
                pulls.add(pool.submit(() -> fromCache("/v2/dist/" + repository + "/blobs/" + image.layer().digest(), null)));
            }
            awaitUpstream("GET", layerPath);
            faults.release();
            for (Future<HttpResponse<byte[]>> pull : pulls) {
                HttpResponse<byte[]> response = pull.get();
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(Digest.sha256(response.body())).isEqualTo(image.layer().digest());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(faults.count("GET", layerPath)).as("upstream GETs of the layer").isEqualTo(1);
    }

    // ---- upstream failures

    @Test
    void pullsKeepWorkingAfterTheUpstreamIsStopped() throws Exception {
        String repository = unique("tools/kept");
        Image image = TestImages.image("amd64", 50_000, 7);
        TestImages.push(toDoomed, repository, image, "1");
        pull("doomed/" + repository, "1");

        doomed.stop();

        assertThat(pull("doomed/" + repository, "1").manifestDigest()).isEqualTo(image.manifest().digest());
        HttpResponse<byte[]> unseen = fromCache("/v2/doomed/" + repository + "/manifests/2", ACCEPT);
        assertThat(unseen.statusCode()).isEqualTo(503);
        assertThat(error(unseen)).contains("\"code\":\"UNAVAILABLE\"").contains("unreachable");
    }

    @Test
    void aRateLimitedUpstreamGetsTheStaleTagServedWithAWarning() throws Exception {
        String repository = unique("tools/limited");
        Image image = TestImages.image("amd64", 10_000, 8);
        TestImages.push(toDistribution, repository, image, "1");
        pull("stale/" + repository, "1");

        faults.mode(Mode.TOO_MANY_REQUESTS);
        assertServedStale(manifest("stale/" + repository, "1"), image);

        faults.mode(Mode.SERVER_ERROR);
        assertThat(manifest("stale/" + repository, "1").headers().firstValue("Warning")).isPresent();
        MeterRegistry meters = cache.context().getBean(MeterRegistry.class);
        assertThat(meters.get("stevedore.proxy.upstream.errors").tag("upstream", "stale").counter().count())
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void contentNeverSeenWithTheUpstreamFailingIsAnOciErrorSayingWhy() throws Exception {
        String repository = unique("tools/unseen");
        faults.mode(Mode.TOO_MANY_REQUESTS);
        HttpResponse<byte[]> limited = manifest("dist/" + repository, "1");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(error(limited)).contains("\"code\":\"TOOMANYREQUESTS\"").contains("rate limiting");

        faults.mode(Mode.SERVER_ERROR);
        HttpResponse<byte[]> failing = manifest("dist/" + repository, "1");
        assertThat(failing.statusCode()).isEqualTo(503);
        assertThat(error(failing)).contains("\"code\":\"UNAVAILABLE\"").contains("HTTP 500");

        faults.release();
        HttpResponse<byte[]> absent = manifest("dist/" + repository, "1");
        assertThat(absent.statusCode()).isEqualTo(404);
        assertThat(error(absent)).contains("\"code\":\"MANIFEST_UNKNOWN\"");
    }

    @Test
    void aBlobCutOffMidwayFailsTheClientKeepsNothingAndTheNextPullSucceeds() throws Exception {
        String repository = unique("tools/cut");
        Image image = TestImages.image("amd64", 3_000_000, 9);
        pushUpstreamAndFetchItsManifest(repository, image);
        String blob = "/v2/dist/" + repository + "/blobs/" + image.layer().digest();

        faults.mode(Mode.CUT_BLOBS);
        assertThatThrownBy(() -> fromCache(blob, null)).as("a download cut short").isInstanceOf(IOException.class);
        BlobRecordStore blobs = cache.context().getBean(BlobRecordStore.class);
        assertThat(blobs.size(image.layer().digest())).as("the blob's record after the broken fetch").isEmpty();

        faults.release();
        HttpResponse<byte[]> whole = fromCache(blob, null);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(whole.body())).isEqualTo(image.layer().digest());
        assertThat(blobs.size(image.layer().digest())).isPresent();
    }

    // ---- a slow upstream

    @Test
    void aSlowBlobReachesTheClientWhileItIsStillBeingFetched() throws Exception {
        String repository = unique("tools/trickle");
        Image image = TestImages.image("amd64", 4_000_000, 13);
        pushUpstreamAndFetchItsManifest(repository, image);

        faults.mode(Mode.HOLD_BLOBS_HALFWAY);
        HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(cache.url().resolve(
                        "/v2/dist/" + repository + "/blobs/" + image.layer().digest()))
                .header("Authorization", adminAuthorization()).timeout(Duration.ofMinutes(2)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (InputStream body = response.body()) {
            byte[] first = body.readNBytes(1_000_000);
            assertThat(first).as("bytes received while the upstream holds back the second half").hasSize(1_000_000);
            BlobRecordStore blobs = cache.context().getBean(BlobRecordStore.class);
            assertThat(blobs.size(image.layer().digest())).as("the blob's record before the fetch ended").isEmpty();

            faults.release();
            byte[] rest = body.readAllBytes();
            byte[] whole = new byte[first.length + rest.length];
            System.arraycopy(first, 0, whole, 0, first.length);
            System.arraycopy(rest, 0, whole, first.length, rest.length);
            assertThat(Digest.sha256(whole)).isEqualTo(image.layer().digest());
            assertThat(blobs.size(image.layer().digest())).isPresent();
        }
    }

    @Test
    void anUpstreamSlowerThanItsTimeoutGetsTheStaleTagServedAndUnseenContentA503SayingSo() throws Exception {
        String repository = unique("tools/slow");
        Image image = TestImages.image("amd64", 10_000, 14);
        TestImages.push(toDistribution, repository, image, "1");
        pull("slow/" + repository, "1");

        faults.mode(Mode.HOLD); // answers nothing until released; the upstream's timeout is 1 s
        assertServedStale(manifest("slow/" + repository, "1"), image);

        HttpResponse<byte[]> unseen = manifest("slow/" + repository, "2");
        assertThat(unseen.statusCode()).isEqualTo(503);
        assertThat(error(unseen)).contains("\"code\":\"UNAVAILABLE\"").contains("timed out");
    }

    // ---- reclaiming

    @Test
    void cachedContentIsReclaimedByGarbageCollectionOnceItsRepositoryIsDeleted() throws Exception {
        String repository = unique("tools/reclaimed");
        Image image = TestImages.image("amd64", 30_000, 15);
        TestImages.push(toDistribution, repository, image, "1");
        pull("dist/" + repository, "1");
        MeterRegistry meters = cache.context().getBean(MeterRegistry.class);
        double hits = meters.find("stevedore.proxy.hits").tag("upstream", "dist").counters().stream()
                .mapToDouble(c -> c.count()).sum();
        pull("dist/" + repository, "1");
        assertThat(meters.find("stevedore.proxy.hits").tag("upstream", "dist").counters().stream()
                .mapToDouble(c -> c.count()).sum()).as("cache hits").isGreaterThan(hits);
        BlobStore store = cache.context().getBean(BlobStore.class);
        assertThat(store.stat(image.layer().digest())).isPresent();

        assertThat(sendToCache("DELETE", "/api/v1/repositories/dist/" + repository, adminAuthorization())
                .statusCode()).isEqualTo(204);
        GarbageCollector collector = cache.context().getBean(GarbageCollector.class);
        Optional<GcRun> run = Optional.empty();
        for (int attempt = 0; run.isEmpty() && attempt < 100; attempt++) {
            run = collector.collect("api", "test", Duration.ZERO);   // empty while a scheduled run holds the lock
            if (run.isEmpty()) {
                Thread.sleep(100);
            }
        }
        assertThat(run).isPresent();

        assertThat(store.stat(image.layer().digest())).as("the fetched layer").isEmpty();
        assertThat(store.stat(image.config().digest())).as("the fetched config").isEmpty();
        int upstreamRequests = faults.total();
        assertThat(pull("dist/" + repository, "1").manifestDigest()).isEqualTo(image.manifest().digest());
        assertThat(faults.total()).as("fetched again from the upstream").isGreaterThan(upstreamRequests);
    }

    @Test
    void aRetentionPolicyOnAProxyNamespaceDeletesCachedTagsAndAPullFetchesThemAgain() throws Exception {
        String repository = unique("tools/retained");
        Image older = TestImages.image("amd64", 5_000, 16);
        Image newer = TestImages.image("amd64", 5_000, 17);
        TestImages.push(toDistribution, repository, older, "1");
        TestImages.push(toDistribution, repository, newer, "2");
        pull("dist/" + repository, "1");
        pull("dist/" + repository, "2");

        HttpResponse<byte[]> policy = sendToCache("PUT", "/api/v1/retention/repositories/dist/" + repository,
                adminAuthorization(), "{\"keep\":[{\"pattern\":\"*\",\"last\":1}]}");
        assertThat(policy.statusCode()).as(error(policy)).isEqualTo(200);
        HttpResponse<byte[]> run = sendToCache("POST", "/api/v1/retention/run/repositories/dist/" + repository,
                adminAuthorization(), null);
        assertThat(run.statusCode()).as(error(run)).isEqualTo(200);

        JsonNode tags = Json.MAPPER.readTree(fromCache("/v2/dist/" + repository + "/tags/list", null).body());
        assertThat(tags.get("tags").toString()).as("cached tags after the run").isEqualTo("[\"2\"]");
        int upstreamRequests = faults.total();
        assertThat(pull("dist/" + repository, "1").manifestDigest()).isEqualTo(older.manifest().digest());
        assertThat(faults.total()).as("fetched again from the upstream").isGreaterThan(upstreamRequests);
    }

    // ---- anonymous callers

    @Test
    void anyoneMayPullThroughANamespaceOpenedToAnonymousCallersButNotPush() throws Exception {
        String repository = unique("tools/open");
        Image image = TestImages.image("amd64", 20_000, 12);
        TestImages.push(toDistribution, repository, image, "1");

        HttpResponse<byte[]> manifest = anonymously("GET", "/v2/open/" + repository + "/manifests/1");
        assertThat(manifest.statusCode()).as(error(manifest)).isEqualTo(200);
        assertThat(Digest.sha256(manifest.body())).isEqualTo(image.manifest().digest());
        HttpResponse<byte[]> layer = anonymously("GET", "/v2/open/" + repository + "/blobs/" + image.layer().digest());
        assertThat(layer.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(layer.body())).isEqualTo(image.layer().digest());
        assertThat(auditEntriesOfCache("open/" + repository)).as("fetches made for an anonymous caller are audited")
                .isNotEmpty();

        HttpResponse<byte[]> token = sendToCache("GET", "/auth/token?service=stevedore&scope=repository:open/"
                + repository + ":pull,push", null);
        assertThat(token.statusCode()).isEqualTo(200);
        String granted = new String(java.util.Base64.getUrlDecoder().decode(
                Json.MAPPER.readTree(token.body()).get("token").asString().split("\\.")[1]), StandardCharsets.UTF_8);
        assertThat(granted).as("an anonymous token's claims").contains("\"pull\"").doesNotContain("\"push\"");

        HttpResponse<byte[]> upload = anonymously("POST", "/v2/open/" + repository + "/blobs/uploads/");
        assertThat(upload.statusCode()).isEqualTo(401);
    }

    // ---- refusals

    @Test
    void pushingIntoAProxyNamespaceIsRefusedSayingWhy() throws Exception {
        HttpResponse<byte[]> upload = sendToCache("POST", "/v2/dist/" + unique("tools/mine") + "/blobs/uploads/",
                adminAuthorization());
        assertThat(upload.statusCode()).isEqualTo(403);
        assertThat(error(upload)).contains("\"code\":\"DENIED\"").contains("pull-through cache");

        HttpResponse<byte[]> put = HTTP.send(HttpRequest.newBuilder(cache.url().resolve("/v2/dist/"
                        + unique("tools/mine") + "/manifests/1"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(TestImages.image("amd64", 10, 10).manifest().content()))
                .header("Content-Type", TestImages.OCI_MANIFEST).header("Authorization", adminAuthorization())
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(put.statusCode()).isEqualTo(403);
        assertThat(error(put)).contains("pull-through cache");
    }

    @Test
    void anonymousCallersAreRefusedLikeOnAnyPrivateRepository() throws Exception {
        String repository = unique("tools/private");
        TestImages.push(toDistribution, repository, TestImages.image("amd64", 1_000, 11), "1");
        int before = faults.total();

        HttpResponse<byte[]> anonymous = sendToCache("GET", "/v2/dist/" + repository + "/manifests/1", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(faults.total()).as("an anonymous caller makes the cache fetch nothing").isEqualTo(before);
    }

    // ---- helpers

    /** What a pull saw: the manifest's digest (every blob it names was fetched and verified). */
    record Pulled(Digest manifestDigest) {
    }

    /** Pulls like a client: the manifest by tag, then every blob it names, each verified. */
    private static Pulled pull(String repository, String tag) throws Exception {
        HttpResponse<byte[]> manifest = manifest(repository, tag);
        assertThat(manifest.statusCode()).as("manifest %s:%s: %s", repository, tag,
                new String(manifest.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode parsed = Json.MAPPER.readTree(manifest.body());
        List<String> blobs = new ArrayList<>();
        blobs.add(parsed.get("config").get("digest").asString());
        parsed.get("layers").forEach(layer -> blobs.add(layer.get("digest").asString()));
        for (String digest : blobs) {
            HttpResponse<byte[]> blob = fromCache("/v2/" + repository + "/blobs/" + digest, null);
            assertThat(blob.statusCode()).as("blob %s of %s", digest, repository).isEqualTo(200);
            assertThat(Digest.sha256(blob.body()).toString()).isEqualTo(digest);
        }
        return new Pulled(Digest.sha256(manifest.body()));
    }

    /** Pushes the image to Distribution and GETs its manifest through the cache, which stores it. */
    private static void pushUpstreamAndFetchItsManifest(String repository, Image image) throws Exception {
        TestImages.push(toDistribution, repository, image, "1");
        assertThat(manifest("dist/" + repository, "1").statusCode()).isEqualTo(200);
    }

    private static HttpResponse<byte[]> manifest(String repository, String reference) throws Exception {
        return fromCache("/v2/" + repository + "/manifests/" + reference, ACCEPT);
    }

    private static HttpResponse<byte[]> fromCache(String path, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(cache.url().resolve(path))
                .header("Authorization", adminAuthorization()).timeout(Duration.ofMinutes(2));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> sendToCache(String method, String path, String authorization)
            throws IOException, InterruptedException {
        return sendToCache(method, path, authorization, null);
    }

    /** With {@code json} as the body, when not null. */
    private static HttpResponse<byte[]> sendToCache(String method, String path, String authorization, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(cache.url().resolve(path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> anonymously(String method, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(cache.url().resolve(path)).header("Accept", ACCEPT)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String adminAuthorization() {
        return basic("admin", cache.adminPassword());
    }

    /** The cached manifest of {@code image}, served while the upstream fails, marked stale. */
    private static void assertServedStale(HttpResponse<byte[]> served, Image image) {
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(served.body())).isEqualTo(image.manifest().digest());
        assertThat(served.headers().firstValue("Warning")).hasValue("110 - \"Response is Stale\"");
    }

    private static String error(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static List<JsonNode> auditEntriesOfCache(String repository) throws Exception {
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(cache.url().resolve(
                        "/api/v1/audit?action=proxy.fetched&repository=" + repository))
                .header("Authorization", adminAuthorization()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> entries = new ArrayList<>();
        Json.MAPPER.readTree(response.body()).get("entries").forEach(entries::add);
        return entries;
    }

    /** Waits, with a bounded deadline, until the upstream has seen such a request. */
    private static void awaitUpstream(String method, String path) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (faults.count(method, path) == 0) {
            assertThat(System.nanoTime()).as("upstream request %s %s", method, path).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static String run(String... command) throws Exception {
        return runWithInput(null, command);
    }

    private static String runWithInput(String input, String... command) throws Exception {
        Path output = Files.createTempFile(work, "out", ".txt");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (input != null) {
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        assertThat(process.waitFor(3, java.util.concurrent.TimeUnit.MINUTES)).as("%s finished", List.of(command))
                .isTrue();
        String text = Files.readString(output);
        assertThat(process.exitValue()).as("%s: %s", List.of(command), text).isZero();
        return text;
    }

    private static int runStatus(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
