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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Fifty clients at once, over real HTTP, on fs and (the s3-storage execution) S3: the same blob
 * pushed monolithically and in chunks, one tag pushed with fifty different manifests, and
 * deletes while others pull. The database is checked afterwards by SQL. (The metadata keeps no
 * tag history: a tag is one row pointing at its current manifest.)
 */
class FiftyClientsTest extends RegistryTestSupport {
    private static final int CLIENTS = 50;

    @Test
    void fiftyMonolithicPushesOfOneBlobAllSucceedAndStoreItOnce() throws Exception {
        String repo = repository("mono");
        byte[] content = random(256 * 1024 + 3, 1);
        Digest digest = Digest.sha256(content);
        List<Integer> statuses = together(() -> send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, content)
                .statusCode());
        assertThat(statuses).containsOnly(201);
        assertPulledIntact(repo, digest, content);
        assertStoredOnce(repo, digest);
    }

    @Test
    void fiftyChunkedPushesOfOneBlobAllSucceedAndStoreItOnce() throws Exception {
        String repo = repository("chunked");
        byte[] content = random(200_000, 2);
        Digest digest = Digest.sha256(content);
        int half = content.length / 2;
        List<Integer> statuses = together(() -> {
            String location = location(send("POST", "/v2/" + repo + "/blobs/uploads/", new byte[0]));
            HttpResponse<byte[]> first = send("PATCH", location, java.util.Arrays.copyOfRange(content, 0, half),
                    "Content-Range", "0-" + (half - 1));
            assertThat(first.statusCode()).isEqualTo(202);
            HttpResponse<byte[]> second = send("PATCH", location(first),
                    java.util.Arrays.copyOfRange(content, half, content.length),
                    "Content-Range", half + "-" + (content.length - 1));
            assertThat(second.statusCode()).isEqualTo(202);
            String put = location(second);
            return send("PUT", put + (put.contains("?") ? "&" : "?") + "digest=" + digest, new byte[0]).statusCode();
        });
        assertThat(statuses).containsOnly(201);
        assertPulledIntact(repo, digest, content);
        assertStoredOnce(repo, digest);
    }

    @Test
    void fiftyPushesOfOneTagLeaveItOnOneOfThemWithEveryManifestKept() throws Exception {
        String repo = repository("tag");
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        Digest configDigest = Digest.sha256(config);
        assertThat(send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + configDigest, config).statusCode())
                .isEqualTo(201);
        Set<String> pushed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger counter = new java.util.concurrent.atomic.AtomicInteger();
        List<Integer> statuses = together(() -> {
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                    + configDigest + "\",\"size\":" + config.length + "},\"layers\":[],\"annotations\":{\"n\":\""
                    + counter.incrementAndGet() + "\"}}").getBytes(StandardCharsets.UTF_8);
            HttpResponse<byte[]> r = send("PUT", "/v2/" + repo + "/manifests/latest", manifest,
                    "Content-Type", "application/vnd.oci.image.manifest.v1+json");
            pushed.add(r.headers().firstValue("Docker-Content-Digest").orElse("none"));
            return r.statusCode();
        });
        assertThat(statuses).containsOnly(201);
        assertThat(pushed).hasSize(CLIENTS);
        HttpResponse<byte[]> tagged = send("GET", "/v2/" + repo + "/manifests/latest", null,
                "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(pushed).contains(tagged.headers().firstValue("Docker-Content-Digest").orElseThrow());
        for (String digest : pushed) {
            assertThat(send("HEAD", "/v2/" + repo + "/manifests/" + digest, null).statusCode()).isEqualTo(200);
        }
        if (context() != null) {
            JdbcClient jdbc = context().getBean(JdbcClient.class);
            assertThat(jdbc.sql("select count(*) from manifests m join repositories r on r.id = m.repository_id"
                    + " where r.name = ?").param(repo).query(Long.class).single()).isEqualTo(CLIENTS);
            assertThat(jdbc.sql("select count(*) from tags t join repositories r on r.id = t.repository_id"
                    + " where r.name = ?").param(repo).query(Long.class).single()).isEqualTo(1);
            assertThat(jdbc.sql("select count(*) from tags t left join manifests m on m.id = t.manifest_id"
                    + " where m.id is null").query(Long.class).single()).as("tags on no manifest").isZero();
        }
    }

    @Test
    void pullsDuringDeletesGetTheWholeContentOrNotFound() throws Exception {
        String repo = repository("delete");
        byte[] content = random(1024 * 1024, 3);
        Digest digest = Digest.sha256(content);
        assertThat(send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, content).statusCode())
                .isEqualTo(201);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        List<String> outcomes = together(() -> {
            if (calls.incrementAndGet() % 10 == 0) {
                int status = send("DELETE", "/v2/" + repo + "/blobs/" + digest, null).statusCode();
                return status == 202 || status == 404 ? "deleted" : "delete answered " + status;
            }
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                HttpResponse<byte[]> r = send("GET", "/v2/" + repo + "/blobs/" + digest, null);
                if (r.statusCode() == 200) {
                    seen.add(Digest.sha256(r.body()).equals(digest) ? "whole" : "TRUNCATED " + r.body().length);
                } else {
                    seen.add(r.statusCode() == 404 ? "404" : "status " + r.statusCode());
                }
            }
            return String.join(",", seen);
        });
        Set<String> kinds = new TreeSet<>();
        outcomes.forEach(o -> kinds.addAll(List.of(o.split(","))));
        assertThat(kinds).isSubsetOf("whole", "404", "deleted");
        assertThat(send("GET", "/v2/" + repo + "/blobs/" + digest, null).statusCode()).isEqualTo(404);
    }

    // ---------------------------------------------------------------- helpers

    private static String repository(String what) {
        return "fifty/" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static void assertPulledIntact(String repo, Digest digest, byte[] content) throws Exception {
        HttpResponse<byte[]> get = send("GET", "/v2/" + repo + "/blobs/" + digest, null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(content);
    }

    private static void assertStoredOnce(String repo, Digest digest) {
        if (context() == null) {
            return;
        }
        JdbcClient jdbc = context().getBean(JdbcClient.class);
        assertThat(jdbc.sql("select count(*) from blobs where digest = ?").param(digest.toString())
                .query(Long.class).single()).as("blob rows").isEqualTo(1);
        assertThat(jdbc.sql("select count(*) from repository_blobs rb join repositories r on r.id = rb.repository_id"
                + " where r.name = ? and rb.digest = ?").params(repo, digest.toString()).query(Long.class).single())
                .as("links").isEqualTo(1);
    }

    private static String location(HttpResponse<byte[]> response) {
        String location = response.headers().firstValue("Location").orElseThrow(
                () -> new AssertionError("no Location in " + response.statusCode() + " "
                        + new String(response.body(), StandardCharsets.UTF_8)));
        return URI.create(registryUrl() + "/").resolve(location).toString();
    }

    private static HttpResponse<byte[]> send(String method, String pathOrUrl, byte[] body, String... headers)
            throws Exception {
        URI uri = pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : URI.create(registryUrl() + pathOrUrl);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/octet-stream");
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        return http().send(request.build(), BodyHandlers.ofByteArray());
    }

    private static <T> List<T> together(Callable<T> task) throws Exception {
        return ConcurrentClients.together(CLIENTS, task);
    }
}
