package io.stevedore.registry.builds;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.StevedoreApplication;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
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
                        "--registry.builds.embedded-worker=false",
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
    void logFollowersAndWaitingWorkersLeaveRequestThreadsFree() throws Exception {
        long build = submit();
        HttpResponse<String> leased = worker("/api/v1/worker/jobs", "{\"worker\":\"w0\",\"waitSeconds\":5}");
        assertThat(leased.statusCode()).as(leased.body()).isEqualTo(200);
        int attempt = Json.MAPPER.readTree(leased.body()).get("attempt").asInt();

        // idle workers: nothing is queued, so each waits its 8 s
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 1; i <= REQUEST_THREADS + 2; i++) {
            waiting.add(HTTP.sendAsync(workerRequest("/api/v1/worker/jobs",
                    "{\"worker\":\"idle-" + i + "\",\"waitSeconds\":8}"), HttpResponse.BodyHandlers.ofString()));
        }
        // followers of the running build, each past its stream's first line
        List<BufferedReader> followers = new ArrayList<>();
        for (int i = 0; i < REQUEST_THREADS + 2; i++) {
            HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(
                            url.resolve("/api/v1/builds/" + build + "/logs"))
                    .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            assertThat(reader.readLine()).isEqualTo(": build log");
            followers.add(reader);
        }

        HttpResponse<String> base = HTTP.send(HttpRequest.newBuilder(url.resolve("/v2/"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(base.statusCode()).as("/v2/ beside %d long waits", 2 * (REQUEST_THREADS + 2)).isEqualTo(200);

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

    /** Boot's customizer for virtual threads would hand Tomcat a virtual-thread executor; it must not win. */
    @Test
    void requestsRunOnTomcatsOwnPoolOfPlatformThreads() {
        Executor executor = ((TomcatWebServer) ((ServletWebServerApplicationContext) context).getWebServer())
                .getTomcat().getConnector().getProtocolHandler().getExecutor();
        assertThat(executor).isInstanceOf(ThreadPoolExecutor.class);
        assertThat(((ThreadPoolExecutor) executor).getMaximumPoolSize()).isEqualTo(REQUEST_THREADS);
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
