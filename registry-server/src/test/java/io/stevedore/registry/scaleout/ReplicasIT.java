package io.stevedore.registry.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.postgres.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two registry processes on one PostgreSQL and one storage behave as one registry: uploads
 * continue on either, what one accepts the other serves at once, and concurrent pushes through
 * both stay consistent. Runs after packaging (failsafe), against the real jar.
 */
class ReplicasIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path WORK = Path.of("target", "replicas-it").toAbsolutePath();

    private static EmbeddedPostgres postgres;
    private static ScaleOutStorage storage;
    private static ReplicaProcesses processes;
    private static URI a;
    private static URI b;

    @BeforeAll
    static void startReplicas() throws Exception {
        postgres = new EmbeddedPostgres(WORK.resolve("database"), 0, "nobody");
        EmbeddedPostgres.Endpoint db = postgres.start();
        List<String> shared = new ArrayList<>(List.of("--registry.auth.enabled=false",
                "--spring.datasource.url=" + db.jdbcUrl(),
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password()));
        storage = ScaleOutStorage.start(WORK);
        shared.addAll(storage.arguments());
        processes = new ReplicaProcesses();
        Path jar = Path.of("target", "registry-server.jar").toAbsolutePath();
        a = processes.start(jar, WORK.resolve("a"), shared).url();
        b = processes.start(jar, WORK.resolve("b"), shared).url();
    }

    @AfterAll
    static void stopReplicas() throws Exception {
        if (processes != null) {
            processes.close();
        }
        if (postgres != null) {
            postgres.stop();
        }
        if (storage != null) {
            storage.close();
        }
    }

    private static HttpResponse<byte[]> send(URI base, String method, String pathOrUrl, byte[] body, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(pathOrUrl))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), BodyHandlers.ofByteArray());
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String repo(String what) {
        return "scaleout/" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void chunkedUploadAlternatingBetweenReplicasCompletes() throws Exception {
        String repo = repo("chunked");
        byte[] content = random(7 * 1024 * 1024 + 11, 1);
        int[] cuts = {0, 1024 * 1024, 2 * 1024 * 1024 + 5, 6 * 1024 * 1024, content.length};
        String location = send(a, "POST", "/v2/" + repo + "/blobs/uploads/", null)
                .headers().firstValue("Location").orElseThrow();
        for (int i = 0; i + 1 < cuts.length; i++) {
            URI replica = i % 2 == 0 ? b : a;
            HttpResponse<byte[]> chunk = send(replica, "PATCH", location, Arrays.copyOfRange(content, cuts[i], cuts[i + 1]),
                    "Content-Type", "application/octet-stream", "Content-Range", cuts[i] + "-" + (cuts[i + 1] - 1));
            assertThat(chunk.statusCode()).as("chunk %d on %s: %s", i, replica, new String(chunk.body())).isEqualTo(202);
            location = chunk.headers().firstValue("Location").orElseThrow();
        }
        Digest digest = Digest.sha256(content);
        HttpResponse<byte[]> done = send(b, "PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + digest,
                null);
        assertThat(done.statusCode()).as(new String(done.body())).isEqualTo(201);
        assertThat(send(a, "GET", "/v2/" + repo + "/blobs/" + digest, null).body()).isEqualTo(content);
    }

    @Test
    void manifestPushedThroughOneReplicaIsPulledThroughTheOtherAtOnce() throws Exception {
        String repo = repo("manifest");
        String manifest = pushImage(a, repo, "v1", "one");
        HttpResponse<byte[]> pulled = send(b, "GET", "/v2/" + repo + "/manifests/v1", null,
                "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(pulled.statusCode()).isEqualTo(200);
        assertThat(new String(pulled.body(), StandardCharsets.UTF_8)).isEqualTo(manifest);
        assertThat(new String(send(b, "GET", "/v2/" + repo + "/tags/list", null).body(), StandardCharsets.UTF_8))
                .contains("\"v1\"");
        assertThat(send(b, "DELETE", "/v2/" + repo + "/manifests/v1", null).statusCode()).isEqualTo(202);
        assertThat(send(a, "GET", "/v2/" + repo + "/manifests/v1", null).statusCode()).isEqualTo(404);
    }

    @Test
    void concurrentPushesOfOneBlobAndOneTagThroughBothReplicasStayConsistent() throws Exception {
        String repo = repo("race");
        byte[] layer = random(3 * 1024 * 1024, 2);
        Digest layerDigest = Digest.sha256(layer);
        Set<String> manifests = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                URI replica = i % 2 == 0 ? a : b;
                int n = i;
                work.add(pool.submit(() -> {
                    HttpResponse<byte[]> blob = send(replica, "POST",
                            "/v2/" + repo + "/blobs/uploads/?digest=" + layerDigest, layer,
                            "Content-Type", "application/octet-stream");
                    assertThat(blob.statusCode()).isEqualTo(201);
                    manifests.add(pushImage(replica, repo, "latest", "writer-" + n));
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Set<String> tagged = new HashSet<>();
        for (URI replica : List.of(a, b)) {
            HttpResponse<byte[]> latest = send(replica, "GET", "/v2/" + repo + "/manifests/latest", null,
                    "Accept", "application/vnd.oci.image.manifest.v1+json");
            assertThat(latest.statusCode()).isEqualTo(200);
            tagged.add(new String(latest.body(), StandardCharsets.UTF_8));
            assertThat(send(replica, "GET", "/v2/" + repo + "/blobs/" + layerDigest, null).body()).isEqualTo(layer);
        }
        assertThat(tagged).as("both replicas see the same tag target").hasSize(1);
        assertThat(manifests).containsAll(tagged);
    }

    /** Pushes a config and a small layer, then a manifest under the tag; returns the manifest. */
    private static String pushImage(URI replica, String repo, String tag, String note) throws Exception {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"note\":\"" + note + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] layer = random(1000, note.hashCode());
        for (byte[] blob : List.of(config, layer)) {
            assertThat(send(replica, "POST", "/v2/" + repo + "/blobs/uploads/?digest=" + Digest.sha256(blob), blob,
                    "Content-Type", "application/octet-stream").statusCode()).isEqualTo(201);
        }
        String manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}"""
                .formatted(Digest.sha256(config), config.length, Digest.sha256(layer), layer.length);
        HttpResponse<byte[]> put = send(replica, "PUT", "/v2/" + repo + "/manifests/" + tag,
                manifest.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertThat(put.statusCode()).as(new String(put.body())).isEqualTo(201);
        return manifest;
    }
}
