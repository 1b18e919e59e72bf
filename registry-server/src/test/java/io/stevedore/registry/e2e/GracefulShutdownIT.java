package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.json.Json;
import io.stevedore.registry.TestStorage;
import io.stevedore.registry.scaleout.ReplicaProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A registry asked to stop (SIGTERM, as docker stop and Kubernetes ask) finishes the pushes in
 * flight but does not wait out the builds API's long requests: the web server's graceful
 * shutdown waits for every request in flight, and a worker's lease poll lasts up to 30 s, a
 * followed build log until its build ends.
 */
class GracefulShutdownIT {
    private static final Path REGISTRY_JAR = Path.of("target", "registry-server.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target", "graceful-shutdown-it").toAbsolutePath();
    private static final int LEASE_WAIT_SECONDS = 30;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aStoppingRegistryFinishesAnUploadButAnswersAWaitingWorkerAndEndsAFollowedLog() throws Exception {
        assumeTrue(!TestStorage.s3(), "starts the packaged default (filesystem storage); runs in the fs pass only");
        SandboxLeftovers.clean(WORK); // a fresh data dir: no build queued by an earlier run
        String password = "admin-" + UUID.randomUUID();
        String workerToken = "worker-" + UUID.randomUUID();
        try (ReplicaProcesses registry = new ReplicaProcesses()) {
            ReplicaProcesses.Replica replica = registry.start(REGISTRY_JAR, WORK, List.of(
                    "--registry.auth.admin-password=" + password, "--registry.builds.embedded-worker=false",
                    "--registry.builds.worker-token=" + workerToken,
                    "--registry.builds.lease-timeout=10m")); // this test's worker sends no heartbeats
            URI url = replica.url();
            String admin = "Basic " + Base64.getEncoder().encodeToString(("admin:" + password)
                    .getBytes(StandardCharsets.UTF_8));

            HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/builds"))
                    .header("Authorization", admin).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"tags": ["admin/app:1"], "git": {"url": "https://example.invalid/app.git"}}"""))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
            long id = Json.MAPPER.readTree(submitted.body()).get("id").asLong();
            // this test's worker takes the build, so it runs (and its log is followed) until the stop
            assertThat(lease(url, workerToken, "runs-it", 0).statusCode()).isEqualTo(200);

            byte[] blob = new byte[1 << 20];
            new Random(7).nextBytes(blob);
            String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
            HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(url.resolve("/v2/admin/app/blobs/uploads/"))
                    .header("Authorization", admin).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            CountDownLatch restOfTheBody = new CountDownLatch(1);
            CompletableFuture<HttpResponse<String>> upload = HTTP.sendAsync(HttpRequest.newBuilder(
                    url.resolve(started.headers().firstValue("Location").orElseThrow() + "?digest=" + digest))
                    .header("Authorization", admin).header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                            () -> new HalfThenWait(blob, restOfTheBody)), blob.length)).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<InputStream> following = HTTP.send(
                    HttpRequest.newBuilder(url.resolve("/api/v1/builds/" + id + "/logs"))
                            .header("Authorization", admin).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(following.statusCode()).isEqualTo(200);
            InputStream stream = following.body();
            String opening = new String(stream.readNBytes(": build log\n\n".length()), StandardCharsets.UTF_8);
            assertThat(opening).isEqualTo(": build log\n\n");
            CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> {
                try (stream) {
                    return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return lease(url, workerToken, "waits", LEASE_WAIT_SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitWorkersSeen(url, 2); // the waiting lease has reached the registry's queue

            replica.process().destroy();
            long stopAsked = System.nanoTime();
            HttpResponse<String> lease = waiting.get(LEASE_WAIT_SECONDS * 2, TimeUnit.SECONDS);
            assertThat(lease.statusCode()).as("the waiting lease, answered when the stop began\n%s",
                    Files.readString(replica.log())).isEqualTo(204);
            assertThat(upload).as("graceful shutdown waits for the push").isNotDone();
            restOfTheBody.countDown();
            assertThat(upload.get(LEASE_WAIT_SECONDS, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
            assertThat(replica.process().waitFor(LEASE_WAIT_SECONDS * 2, TimeUnit.SECONDS)).isTrue();
            Duration stopTook = Duration.ofNanos(System.nanoTime() - stopAsked);

            String log = Files.readString(replica.log());
            assertThat(rest.get(5, TimeUnit.SECONDS)).as("the stream ends without the build's end: the client resumes later")
                    .doesNotContain("event: end");
            // the lease alone would have held the stop for its whole wait
            assertThat(stopTook).as(log).isLessThan(Duration.ofSeconds(LEASE_WAIT_SECONDS - 10));
        }
    }

    /** The first half of {@code bytes}, then the rest once {@code rest} opens. */
    private static final class HalfThenWait extends InputStream {
        private final byte[] bytes;
        private final CountDownLatch rest;
        private int position;

        HalfThenWait(byte[] bytes, CountDownLatch rest) {
            this.bytes = bytes;
            this.rest = rest;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (position == bytes.length / 2) {
                try {
                    rest.await();
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
            }
            if (position == bytes.length) {
                return -1;
            }
            int end = position < bytes.length / 2 ? bytes.length / 2 : bytes.length;
            int n = Math.min(length, end - position);
            System.arraycopy(bytes, position, into, offset, n);
            position += n;
            return n;
        }
    }

    private static HttpResponse<String> lease(URI url, String token, String worker, int waitSeconds)
            throws Exception {
        return HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/worker/jobs"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"worker\": \"" + worker + "\", \"waitSeconds\": " + waitSeconds + "}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until {@code count} workers have asked for work (a lease counts its worker before it waits). */
    private static void awaitWorkersSeen(URI url, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String metrics = "";
        while (System.nanoTime() < deadline) {
            metrics = HTTP.send(HttpRequest.newBuilder(url.resolve("/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (metrics.lines().anyMatch(line -> line.equals("stevedore_builds_workers " + count + ".0"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not " + count + " workers seen: " + metrics.lines()
                .filter(line -> line.startsWith("stevedore_builds_workers")).toList());
    }
}
