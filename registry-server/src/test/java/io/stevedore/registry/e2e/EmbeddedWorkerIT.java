package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.json.Json;
import io.stevedore.registry.TestStorage;
import io.stevedore.registry.scaleout.ReplicaProcesses;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The single-node default as the README starts it: the packaged registry on its embedded
 * PostgreSQL and filesystem storage, with no worker configured, finds build-service.jar beside
 * it, starts a worker itself (root and runc being there) and runs a submitted build.
 */
class EmbeddedWorkerIT {
    private static final Path REGISTRY_JAR = Path.of("target", "registry-server.jar").toAbsolutePath();
    private static final Path BUILD_JAR = Path.of("..", "build-service", "target", "build-service.jar")
            .toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target", "embedded-worker-it").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theDefaultRegistryStartsAWorkerAndBuilds() throws Exception {
        assumeTrue(!TestStorage.s3(), "the embedded default is filesystem storage; runs in the fs pass only");
        assumeTrue(Files.isRegularFile(BUILD_JAR), BUILD_JAR + " is not built (mvn package); skipping");
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"),
                "build workers need root; skipping");
        Processes.assumeInstalled("runc", "runc");
        SandboxLeftovers.clean(WORK);
        String password = "admin-" + UUID.randomUUID();
        try (ReplicaProcesses registry = new ReplicaProcesses()) {
            ReplicaProcesses.Replica replica = registry.start(REGISTRY_JAR, WORK,
                    List.of("--registry.auth.admin-password=" + password));
            URI url = replica.url();
            String host = url.getHost() + ":" + url.getPort();
            String base = BuildBaseImages.push(host, "admin/base", "admin:" + password, WORK, false);
            String authorization = "Basic " + Base64.getEncoder()
                    .encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));

            HttpResponse<String> uploaded = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/builds/contexts"))
                    .header("Authorization", authorization).header("Content-Type", "application/x-tar")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(dockerfileOnly("FROM " + base + ":amd64\nRUN echo built"
                            + " > /built\n"))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
            String body = Json.MAPPER.writeValueAsString(Map.of("tags", List.of("admin/app:1"),
                    "context", Json.MAPPER.readTree(uploaded.body()).get("context").asString()));
            HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/builds"))
                    .header("Authorization", authorization).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
            long id = Json.MAPPER.readTree(submitted.body()).get("id").asLong();

            JsonNode status = null;
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (System.nanoTime() < deadline) {
                status = Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/builds/" + id))
                        .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString()).body());
                if (status.get("status").asString().matches("succeeded|failed|cancelled")) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(status.get("status").asString()).as("%s\n%s", status, Files.readString(replica.log()))
                    .isEqualTo("succeeded");
            assertThat(status.get("worker").asString()).isEqualTo("embedded");
            assertThat(Files.readString(replica.log())).contains("Started an embedded build worker");
        } finally {
            SandboxLeftovers.clean(WORK.resolve("data/build-worker"));
        }
    }

    private static byte[] dockerfileOnly(String dockerfile) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            byte[] content = dockerfile.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry("Dockerfile");
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }
}
