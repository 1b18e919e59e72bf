package io.stevedore.builder.worker;

import io.stevedore.builder.layers.TarEntry;
import io.stevedore.builder.layers.TarWriter;
import io.stevedore.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** One job against an in-process registry peer: builds that fail before any RUN, so no root is needed. */
class JobRunTest {
    @TempDir
    Path work;
    FakeWorkerRegistry registry;
    final List<String> workerLog = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        registry = new FakeWorkerRegistry();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void aGzipContextIsUnpackedBuiltAndTheFailureReportedWithItsLog() throws Exception {
        registry.context = gzip(tar(Map.of("Dockerfile", "FROM scratch\nFROBNICATE now\n")));

        run(job("Dockerfile"));

        JsonNode finish = registry.finished.get(5, TimeUnit.SECONDS);
        assertThat(finish.path("status").asString()).isEqualTo("failed");
        assertThat(finish.path("error").asString()).contains("FROBNICATE");
        assertThat(registry.logLines).last().asString().isEqualTo("error: " + finish.path("error").asString());
        assertThat(registry.authorizations).allMatch("Bearer worker-token"::equals);
        assertThat(workerLog).anyMatch(line -> line.startsWith("leased build 7 attempt 1"))
                .anyMatch(line -> line.startsWith("finished build 7 attempt 1: failed"));
        assertThat(Files.list(work.resolve("jobs"))).isEmpty();   // the scratch dir is gone
    }

    @Test
    void aContextEntryClimbingOutIsRefused() throws Exception {
        registry.context = tar(Map.of("Dockerfile", "FROM scratch\n", "../escape", "x"));

        run(job("Dockerfile"));

        JsonNode finish = registry.finished.get(5, TimeUnit.SECONDS);
        assertThat(finish.path("status").asString()).isEqualTo("failed");
        assertThat(finish.path("error").asString()).contains("refused tar entry '../escape'");
        assertThat(work.resolve("jobs/escape")).doesNotExist();
    }

    @Test
    void aDockerfileOutsideTheContextIsRefused() throws Exception {
        registry.context = tar(Map.of("Dockerfile", "FROM scratch\n"));

        run(job("../../Dockerfile"));

        assertThat(registry.finished.get(5, TimeUnit.SECONDS).path("error").asString())
                .isEqualTo("dockerfile '../../Dockerfile' is outside the build context");
    }

    @Test
    void aCancelFromTheHeartbeatEndsTheBuildCancelled() throws Exception {
        registry.context = tar(Map.of("Dockerfile", "FROM scratch\n"));
        registry.contextDelayMillis = 30_000;   // the build is busy fetching its context
        registry.cancel = true;

        long started = System.nanoTime();
        run(job("Dockerfile"));

        assertThat(registry.finished.get(5, TimeUnit.SECONDS).path("status").asString()).isEqualTo("cancelled");
        assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(10));
        assertThat(registry.logLines).contains("cancelled");
    }

    @Test
    void aLostLeaseAbandonsTheBuildWithoutReporting() throws Exception {
        registry.context = tar(Map.of("Dockerfile", "FROM scratch\n"));
        registry.contextDelayMillis = 30_000;
        registry.heartbeatStatus = () -> 409;

        run(job("Dockerfile"));

        assertThat(registry.finished).isNotDone();
        assertThat(workerLog).anyMatch(line -> line.contains("lease lost"));
    }

    private void run(Job job) throws IOException {
        WorkerApi api = new WorkerApi(registry.url(), "worker-token", HttpClient.newHttpClient());
        WorkerSettings settings = new WorkerSettings(registry.url(), work, "docker.io", GitCheckout.NETWORK_PROTOCOLS);
        new JobRun(api, job, settings, workerLog::add).run();
    }

    private static Job job(String dockerfile) {
        return Job.fromJson(Json.MAPPER.readTree("""
                {"build":7,"attempt":1,"heartbeatSeconds":1,"tags":["alice/app:1"],
                 "context":"/api/v1/worker/jobs/7/context?attempt=1","dockerfile":"%s"}""".formatted(dockerfile)));
    }

    /** A plain tar of regular files, in the map's iteration order. */
    static byte[] tar(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(bytes);
        for (Map.Entry<String, String> file : new java.util.TreeMap<>(files).entrySet()) {
            byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
            tar.writeHeader(file.getKey(), TarEntry.REGULAR, content.length, 0644, 0, 0, 0, null, Map.of());
            tar.entryOutput().write(content);
            tar.pad(content.length);
        }
        tar.finish();
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(data);
        }
        return bytes.toByteArray();
    }
}
