package io.stevedore.registry.builds;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stevedore.json.Json;
import io.stevedore.registry.api.ApiErrors;
import io.stevedore.registry.StevedoreApplication;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Tomcat serves requests on a bounded pool of platform threads (distribution.PlatformRequestThreads).
 * The requests that wait on purpose, a build's log followed and an idle worker's lease, run async
 * and hold none of them: on a server of its own with 4 request threads, 6 followers and 6 waiting
 * workers leave it answering at once, and the followers still get their lines.
 */
class LongWaitsHoldNoRequestThreadTest {
    private static final int REQUEST_THREADS = 4;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ConfigurableApplicationContext context;
    private static URI url;
    private static Path dataDir;

    @BeforeAll
    static void start() {
        dataDir = Path.of("target", "long-waits-" + ProcessHandle.current().pid()).toAbsolutePath();
        context = new SpringApplicationBuilder(StevedoreApplication.class)
                .run("--server.port=0", "--server.address=127.0.0.1", "--registry.auth.enabled=false",
                        "--registry.storage.type=fs", "--registry.data-dir=" + dataDir,
                        "--registry.builds.embedded-worker=false", "--registry.builds.lease-timeout=10m",
                        "--server.tomcat.threads.max=" + REQUEST_THREADS,
                        "--server.tomcat.threads.min-spare=1");
        url = URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    @Timeout(120)
    void logFollowersAndWaitingWorkersLeaveRequestThreadsFree() throws Exception {
        Running running = runningBuild("w0");
        long build = running.build();
        int attempt = running.attempt();

        // idle workers alone first: nothing is queued, so each waits its 20 s
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 1; i <= REQUEST_THREADS + 2; i++) {
            waiting.add(HTTP.sendAsync(workerRequest("/api/v1/worker/jobs",
                    "{\"worker\":\"idle-" + i + "\",\"waitSeconds\":20}"), HttpResponse.BodyHandlers.ofString()));
        }
        awaitWorkersSeen(REQUEST_THREADS + 3); // every waiting lease has reached the queue
        assertThat(base().statusCode()).as("/v2/ beside %d waiting leases", REQUEST_THREADS + 2).isEqualTo(200);

        // then followers of the running build too, each past its stream's first line
        List<BufferedReader> followers = new ArrayList<>();
        for (int i = 0; i < REQUEST_THREADS + 2; i++) {
            HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(
                            url.resolve("/api/v1/builds/" + build + "/logs"))
                    .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            assertThat(reader.readLine()).isEqualTo(": build log");
            followers.add(reader);
        }
        assertThat(base().statusCode()).as("/v2/ beside %d long waits", 2 * (REQUEST_THREADS + 2)).isEqualTo(200);

        assertThat(worker("/api/v1/worker/jobs/" + build + "/log?attempt=" + attempt, "step 1\n").statusCode())
                .isEqualTo(204);
        assertThat(worker("/api/v1/worker/jobs/" + build + "/finish?attempt=" + attempt,
                "{\"status\":\"succeeded\",\"digest\":\"sha256:" + "cd".repeat(32) + "\"}").statusCode()).isEqualTo(204);
        for (BufferedReader follower : followers) {
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = follower.readLine()) != null) {
                lines.add(line);
            }
            follower.close();
            assertThat(lines).contains("data: step 1", "event: end");
        }
        for (CompletableFuture<HttpResponse<String>> idle : waiting) {
            assertThat(idle.get().statusCode()).as("an idle worker's lease, after its wait").isEqualTo(204);
        }
    }

    /** A reader that closes its stream is no error: the next write finds it gone, quietly. */
    @Test
    @Timeout(60)
    void aFollowerThatGoesAwayIsNotLoggedAsAnError() throws Exception {
        Running running = runningBuild("w1");
        Logger apiErrors = (Logger) LoggerFactory.getLogger(ApiErrors.class);
        Level level = apiErrors.getLevel();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        apiErrors.addAppender(logged);
        apiErrors.setLevel(Level.DEBUG);
        try (Socket follower = new Socket(url.getHost(), url.getPort())) {
            follower.getOutputStream().write(("GET /api/v1/builds/" + running.build() + "/logs HTTP/1.1\r\nHost: x\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            BufferedReader reader = new BufferedReader(new InputStreamReader(follower.getInputStream(),
                    StandardCharsets.US_ASCII));
            while (!": build log".equals(reader.readLine())) {
                // the status line and headers
            }
            follower.setSoLinger(true, 0); // a reset, as a closed tab or Ctrl-C gives
        }
        // lines until the stream's writes find the connection gone
        for (int i = 0; i < 100 && logged.list.stream().noneMatch(e -> e.getLevel() == Level.DEBUG); i++) {
            worker("/api/v1/worker/jobs/" + running.build() + "/log?attempt=" + running.attempt(), "line " + i + "\n");
            Thread.sleep(100);
        }
        apiErrors.detachAppender(logged);
        apiErrors.setLevel(level);
        worker("/api/v1/worker/jobs/" + running.build() + "/finish?attempt=" + running.attempt(), "{\"status\":\"failed\"}");

        assertThat(logged.list).as("what ApiErrors logged").isNotEmpty()
                .allMatch(e -> e.getLevel() == Level.DEBUG, "at DEBUG only");
    }

    /** Boot's customizer for virtual threads would hand Tomcat a virtual-thread executor; it must not win. */
    @Test
    void requestsRunOnTomcatsOwnPoolOfPlatformThreads() {
        Executor executor = ((TomcatWebServer) ((ServletWebServerApplicationContext) context).getWebServer())
                .getTomcat().getConnector().getProtocolHandler().getExecutor();
        assertThat(executor).isInstanceOf(ThreadPoolExecutor.class);
        assertThat(((ThreadPoolExecutor) executor).getMaximumPoolSize()).isEqualTo(REQUEST_THREADS);
    }

    private static HttpResponse<String> base() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(url.resolve("/v2/")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Until the queue has seen {@code count} workers (w0 and the waiting ones). */
    private static void awaitWorkersSeen(int count) throws Exception {
        String expected = "stevedore_builds_workers " + count + ".0";
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String metrics = "";
        while (System.nanoTime() < deadline) {
            // with a timeout: a lease that held its request thread would leave this one queued
            metrics = HTTP.send(HttpRequest.newBuilder(url.resolve("/actuator/prometheus"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (metrics.lines().anyMatch(expected::equals)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not " + count + " workers seen: " + metrics.lines()
                .filter(line -> line.startsWith("stevedore_builds_workers")).toList());
    }

    private record Running(long build, int attempt) {
    }

    /** A new build, leased by {@code worker}. */
    private static Running runningBuild(String worker) throws Exception {
        long build = submit();
        HttpResponse<String> leased = worker("/api/v1/worker/jobs", "{\"worker\":\"" + worker + "\",\"waitSeconds\":5}");
        assertThat(leased.statusCode()).as(leased.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(leased.body()).get("build").asLong()).isEqualTo(build);
        return new Running(build, Json.MAPPER.readTree(leased.body()).get("attempt").asInt());
    }

    private static long submit() throws Exception {
        byte[] tar = BuildsApiTest.tar(Map.of("Dockerfile", "FROM busybox\n"));
        HttpResponse<String> context = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/builds/contexts"))
                .header("Content-Type", "application/x-tar").POST(HttpRequest.BodyPublishers.ofByteArray(tar)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(context.statusCode()).as(context.body()).isEqualTo(201);
        String digest = Json.MAPPER.readTree(context.body()).get("context").asString();
        HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/builds"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tags\":[\"waits/app:1\"],\"context\":\"" + digest + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        return Json.MAPPER.readTree(submitted.body()).get("id").asLong();
    }

    private static HttpResponse<String> worker(String path, String body) throws Exception {
        return HTTP.send(workerRequest(path, body), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest workerRequest(String path, String body) throws Exception {
        return HttpRequest.newBuilder(url.resolve(path))
                .header("Authorization", "Bearer " + Files.readString(dataDir.resolve("builds/worker-token")).strip())
                .header("Content-Type", path.contains("/log?") ? "text/plain; charset=utf-8" : "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
