package io.stevedore.registry.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.json.Json;
import io.stevedore.registry.TestStorage;
import io.stevedore.registry.scaleout.ReplicaProcesses;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.util.FileSystemUtils;

/**
 * A build page follows its log across a restart of the registry: the stream ends when the
 * registry stops, and the page opens it again, after the last line it shows, once the registry
 * answers again, through to the build's end.
 */
class BuildLogAcrossRestartBrowserIT {
    private static final Path REGISTRY_JAR = Path.of("target", "registry-server.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target", "build-log-restart-it").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theBuildPageKeepsFollowingTheLogWhenTheRegistryRestarts() throws Exception {
        assumeTrue(!TestStorage.s3(), "starts the packaged default (filesystem storage); runs in the fs pass only");
        ChromeDriver browser = Chromium.start();
        try (ReplicaProcesses registry = new ReplicaProcesses()) {
            FileSystemUtils.deleteRecursively(WORK); // a fresh data dir: nothing queued by an earlier run
            String password = "admin-" + UUID.randomUUID();
            String workerToken = "worker-" + UUID.randomUUID();
            List<String> args = List.of("--registry.auth.admin-password=" + password,
                    "--registry.builds.embedded-worker=false", "--registry.builds.worker-token=" + workerToken,
                    "--registry.builds.lease-timeout=10m"); // this test's worker sends no heartbeats
            ReplicaProcesses.Replica first = registry.start(REGISTRY_JAR, WORK, args);
            URI url = first.url();
            HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/builds"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:" + password)
                            .getBytes(StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("""
                            {"tags": ["admin/app:1"], "git": {"url": "https://example.invalid/app.git"}}"""))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
            long id = Json.MAPPER.readTree(submitted.body()).get("id").asLong();
            assertThat(worker(url, workerToken, "/api/v1/worker/jobs", Map.of("worker", "w1", "waitSeconds", 0))
                    .statusCode()).isEqualTo(200);
            assertThat(log(url, workerToken, id, "step one\n").statusCode()).isEqualTo(204);

            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            browser.get(url + "/");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("admin");
            browser.findElement(By.id("password")).sendKeys(password);
            browser.findElement(By.id("login-submit")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "admin"));
            browser.get(url + "/#/build?id=" + id);
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("build-log"), "step one"));

            first.process().destroy();
            assertThat(first.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            ReplicaProcesses.Replica second = registry.start(REGISTRY_JAR, WORK, args, Map.of(), url.getPort());
            assertThat(log(second.url(), workerToken, id, "step two\n").statusCode()).isEqualTo(204);
            assertThat(worker(second.url(), workerToken, "/api/v1/worker/jobs/" + id + "/finish?attempt=1",
                    Map.of("status", "failed", "error", "stopped by the test")).statusCode()).isEqualTo(204);

            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("build-status"), "failed"));
            assertThat(browser.findElement(By.id("build-log")).getText()).as("each line once, in order")
                    .isEqualTo("step one\nstep two");
        } finally {
            browser.quit();
        }
    }

    private static HttpResponse<String> log(URI url, String token, long id, String lines) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/worker/jobs/" + id + "/log?attempt=1"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(lines)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> worker(URI url, String token, String path, Map<String, Object> body)
            throws Exception {
        return HTTP.send(HttpRequest.newBuilder(url.resolve(path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
