package io.stevedore.registry.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.StevedoreApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * PostgreSQL round trips (statements and commits) that each push request costs, counted on a
 * server of its own whose DataSource counts them. These are the figures of docs/benchmarks.md;
 * the bounds keep them from creeping back up.
 */
class PushRoundTripsTest {
    private static final RoundTripCounter COUNTER = new RoundTripCounter();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ConfigurableApplicationContext context;
    private static URI url;

    @BeforeAll
    static void start() {
        context = new SpringApplicationBuilder(StevedoreApplication.class)
                .initializers(c -> c.getBeanFactory().addBeanPostProcessor(COUNTER))
                .run("--server.port=0", "--server.address=127.0.0.1", "--registry.auth.enabled=false",
                        "--registry.storage.type=fs", "--registry.data-dir="
                                + Path.of("target", "round-trips-" + ProcessHandle.current().pid()).toAbsolutePath());
        url = URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void uploadRequestsTakeFewRoundTrips() throws Exception {
        String repo = "trips/chunked-" + UUID.randomUUID().toString().substring(0, 8);
        push(repo, "warm-up".getBytes(StandardCharsets.UTF_8)); // the repository exists, as for most pushes

        byte[] first = "first chunk ".getBytes(StandardCharsets.UTF_8);
        byte[] second = "second chunk".getBytes(StandardCharsets.UTF_8);
        byte[] blob = (new String(first, StandardCharsets.UTF_8) + new String(second, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        int mark = COUNTER.mark();
        HttpResponse<String> started = send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        List<String> post = onlyRequest(mark);
        assertThat(started.statusCode()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();

        mark = COUNTER.mark();
        assertThat(send("PATCH", location, first).statusCode()).isEqualTo(202);
        List<String> patch = onlyRequest(mark);
        assertThat(send("PATCH", location, second).statusCode()).isEqualTo(202);

        mark = COUNTER.mark();
        assertThat(send("PUT", location + "?digest=" + Digest.sha256(blob), null).statusCode()).isEqualTo(201);
        List<String> put = onlyRequest(mark);

        mark = COUNTER.mark();
        byte[] monolithic = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
        assertThat(send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + Digest.sha256(monolithic), monolithic)
                .statusCode()).isEqualTo(201);
        List<String> monolithicPost = onlyRequest(mark);

        report("POST (start)", post);
        report("PATCH", patch);
        report("PUT (final)", put);
        report("POST ?digest= (monolithic)", monolithicPost);
        assertThat(post).as("POST").hasSizeLessThanOrEqualTo(1);
        assertThat(patch).as("PATCH").hasSizeLessThanOrEqualTo(2);
        assertThat(put).as("PUT").hasSizeLessThanOrEqualTo(4);
        assertThat(monolithicPost).as("monolithic POST").hasSizeLessThanOrEqualTo(5);
    }

    @Test
    void manifestPutTakesFewRoundTrips() throws Exception {
        String repo = "trips/manifest-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
        push(repo, config);
        push(repo, layer);
        String manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}"""
                .formatted(Digest.sha256(config), config.length, Digest.sha256(layer), layer.length);

        int mark = COUNTER.mark();
        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(url.resolve("/v2/" + repo + "/manifests/v1"))
                .PUT(BodyPublishers.ofString(manifest))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json").build(), BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        List<String> trips = onlyRequest(mark);

        report("manifest PUT (new tag)", trips);
        assertThat(trips).as("manifest PUT").hasSizeLessThanOrEqualTo(8);
    }

    private static void push(String repo, byte[] blob) throws Exception {
        assertThat(send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + Digest.sha256(blob), blob).statusCode())
                .isEqualTo(201);
    }

    /** The round trips of the one request thread that touched the push tables since the mark. */
    private static List<String> onlyRequest(int mark) {
        List<List<String>> requests = COUNTER.since(mark, "repositor");
        assertThat(requests).as("request threads with round trips").hasSize(1);
        return requests.getFirst();
    }

    private static void report(String request, List<String> trips) {
        System.out.println("round trips of " + request + ": " + trips.size());
        trips.forEach(sql -> System.out.println("    " + sql));
    }

    private static HttpResponse<String> send(String method, String pathOrUrl, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(url.resolve(pathOrUrl))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/octet-stream").build(), BodyHandlers.ofString());
    }
}
