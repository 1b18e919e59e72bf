package io.stevedore.registry.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.RegistryTestSupport;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Concurrent pushes of the same content through one server stay consistent. (Through several
 * replica processes: {@code scaleout.ReplicasIT}.)
 */
class ConsistencyTest extends RegistryTestSupport {

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static HttpResponse<byte[]> send(URI base, String method, String path, byte[] body, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http().send(request.build(), BodyHandlers.ofByteArray());
    }

    private static Digest pushBlob(URI base, String repo, byte[] content) throws Exception {
        Digest digest = Digest.sha256(content);
        HttpResponse<byte[]> r = send(base, "POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, content,
                "Content-Type", "application/octet-stream");
        assertThat(r.statusCode()).isEqualTo(201);
        return digest;
    }

    private static String manifest(Digest config, int configSize, Digest layer, int layerSize, String note) {
        return """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}],
                 "annotations":{"note":"%s"}}""".formatted(config, configSize, layer, layerSize, note);
    }

    @Test
    void concurrentPushesOfTheSameBlobAllSucceedAndLeaveOneIntactBlob() throws Exception {
        String repo = "consistency/blob-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] content = random(3 * 1024 * 1024 + 17);
        List<Digest> digests = ConcurrentClients.together(8, () -> pushBlob(registryUrl(), repo, content));
        assertThat(new HashSet<>(digests)).containsExactly(Digest.sha256(content));

        HttpResponse<byte[]> get = send(registryUrl(), "GET", "/v2/" + repo + "/blobs/" + digests.getFirst(), null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(get.body())).isEqualTo(Digest.sha256(content));
        if (context() != null) {
            JdbcClient jdbc = context().getBean(JdbcClient.class);
            assertThat(jdbc.sql("select count(*) from blobs where digest = ?").param(digests.getFirst().toString())
                    .query(Long.class).single()).as("stored once").isEqualTo(1);
        }
    }

    @Test
    void concurrentPushesOfOneTagLeaveTheTagOnOneCompleteManifest() throws Exception {
        String repo = "consistency/tag-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = random(10_000);
        Digest configDigest = pushBlob(registryUrl(), repo, config);
        Digest layerDigest = pushBlob(registryUrl(), repo, layer);
        Set<String> pushed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger counter = new java.util.concurrent.atomic.AtomicInteger();
        ConcurrentClients.together(8, () -> {
            String body = manifest(configDigest, config.length, layerDigest, layer.length, "n" + counter.incrementAndGet());
            HttpResponse<byte[]> r = send(registryUrl(), "PUT", "/v2/" + repo + "/manifests/latest",
                    body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/vnd.oci.image.manifest.v1+json");
            assertThat(r.statusCode()).isEqualTo(201);
            pushed.add(r.headers().firstValue("Docker-Content-Digest").orElseThrow());
            return null;
        });
        assertThat(pushed).hasSize(8);

        HttpResponse<byte[]> tagged = send(registryUrl(), "GET", "/v2/" + repo + "/manifests/latest", null,
                "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(tagged.statusCode()).isEqualTo(200);
        String digest = tagged.headers().firstValue("Docker-Content-Digest").orElseThrow();
        assertThat(pushed).contains(digest);
        assertThat(Digest.sha256(tagged.body()).toString()).isEqualTo(digest);
        for (String d : pushed) {
            assertThat(send(registryUrl(), "HEAD", "/v2/" + repo + "/manifests/" + d, null).statusCode()).isEqualTo(200);
        }
        String tags = new String(send(registryUrl(), "GET", "/v2/" + repo + "/tags/list", null).body(),
                StandardCharsets.UTF_8);
        assertThat(tags).isEqualTo("{\"name\":\"" + repo + "\",\"tags\":[\"latest\"]}");
    }
}
