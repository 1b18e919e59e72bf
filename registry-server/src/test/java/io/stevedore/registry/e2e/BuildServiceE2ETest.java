package io.stevedore.registry.e2e;

import static io.stevedore.registry.e2e.Processes.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.stevedore.builder.engine.BuildException;
import io.stevedore.builder.engine.BuildRequest;
import io.stevedore.builder.engine.BuildResult;
import io.stevedore.builder.engine.ImageBuilder;
import io.stevedore.builder.engine.Progress;
import io.stevedore.builder.engine.Registries;
import io.stevedore.client.DockerConfig;
import io.stevedore.client.ImageReference;
import io.stevedore.oci.Digest;
import io.stevedore.oci.Platform;
import io.stevedore.registry.RegistryTestSupport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The build service end to end: Dockerfiles built by the engine (the API the CLI and a worker
 * call) with real runc sandboxes and overlay mounts, pushed to the registry under test, then
 * checked from outside - `docker pull` + `docker run`, `skopeo inspect --config`, and the layer
 * tars themselves.
 */
class BuildServiceE2ETest extends RegistryTestSupport {
    private static final String SECRET = "s3cret-value-7f3a";

    @TempDir
    static Path shared;

    private static Path workDir;
    private static String base;
    private static HttpServer files;

    @TempDir
    Path context;

    @BeforeAll
    static void pushBaseImages() throws IOException {
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"),
                "builds mount overlays and start runc containers: needs root; skipping");
        Processes.assumeInstalled("runc", "runc");
        workDir = shared.resolve("builder");
        base = BuildBaseImages.push(registryHost(), shared, true);
        files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        files.createContext("/remote.txt", exchange -> {
            byte[] body = "remote content\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        files.start();
    }

    @AfterAll
    static void stopFileServer() {
        if (files != null) {
            files.stop(0);
        }
    }

    // --- the building blocks

    private record Built(BuildResult result, String progress, String reference) {}

    private Built build(String repository, Map<String, String> args, String target, List<Platform> platforms,
                        Map<String, BuildRequest.SecretSource> secrets, boolean noCache) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String reference = registryHost() + "/" + repository + ":1";
        try (Registries registries = new Registries(DockerConfig.load(shared.resolve("no-docker-config.json")), Map.of(), Set.of());
             PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            ImageBuilder builder = new ImageBuilder(workDir, registries, registryHost());
            BuildRequest request = new BuildRequest(context, context.resolve("Dockerfile"),
                    List.of(ImageReference.parse(reference, registryHost())), args, target, platforms, secrets, noCache,
                    Map.of("org.example.built-by", "e2e"), null, null, true, Duration.ofMinutes(5), 0);
            BuildResult result = builder.build(request, new Progress(progress, false));
            return new Built(result, log.toString(StandardCharsets.UTF_8), reference);
        } catch (RuntimeException e) {
            throw new AssertionError("build failed: " + e.getMessage() + "\n--- progress ---\n"
                    + log.toString(StandardCharsets.UTF_8), e);
        }
    }

    private Built build(String repository) {
        return build(repository, Map.of(), null, List.of(Platform.of("linux", "amd64")), Map.of(), false);
    }

    private void write(String name, String content) throws IOException {
        Path file = context.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static String repository() {
        return "builds/app-" + RegistryHttp.randomSuffix();
    }

    // --- every instruction

    @Test
    void everyInstructionIsBuiltAsDockerWouldAndVisibleFromOutside() throws Exception {
        Digest remoteDigest = Digest.sha256("remote content\n".getBytes(StandardCharsets.UTF_8));
        write("Dockerfile", """
                # syntax=docker/dockerfile:1
                ARG BASE=%s:amd64
                FROM ${BASE} AS base
                ARG GREETING=hello
                ENV APP_HOME=/srv/app \\
                    GREETING=${GREETING}
                LABEL org.example.title="stevedore e2e" org.example.version=1
                SHELL ["/bin/sh", "-c"]
                WORKDIR $APP_HOME
                COPY --chown=app:app --chmod=640 config.txt ./
                COPY src/ ./src/
                ADD archive.tar.gz /opt/
                ADD --chmod=644 --checksum=%s http://127.0.0.1:%d/remote.txt /opt/remote.txt
                RUN <<EOF
                set -e
                rm /etc/base-file
                echo "$GREETING from run" > /srv/app/run.txt
                EOF
                RUN --mount=type=secret,id=token,required=true sha256sum /run/secrets/token | cut -c1-64 > /srv/app/secret-checked
                RUN --mount=type=cache,target=/var/cache/e2e echo cached > /var/cache/e2e/x && ls /var/cache/e2e > /srv/app/cache-listing
                RUN --network=none grep -c : /proc/net/dev > /srv/app/interfaces
                EXPOSE 8080 9090/udp
                VOLUME /data
                USER app
                HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD echo ok
                STOPSIGNAL SIGTERM
                ONBUILD RUN echo onbuild
                ENTRYPOINT ["/bin/sh", "-c", "echo \\"$GREETING\\"; id -u; pwd; cat run.txt; ls src; cat /opt/remote.txt; cat /opt/archived.txt", "--"]
                CMD ["ignored"]
                """.formatted(base, remoteDigest, files.getAddress().getPort()));
        write(".dockerignore", "secret-notes.txt\nsrc/*.tmp\n");
        write("config.txt", "key=value\n");
        write("src/main.txt", "main\n");
        write("src/skip.tmp", "ignored by .dockerignore\n");
        write("secret-notes.txt", "never in the image\n");
        writeTarGz(context.resolve("archive.tar.gz"), "archived.txt", "from the archive\n");
        Path secretFile = Files.writeString(shared.resolve("token-" + RegistryHttp.randomSuffix()), SECRET);

        String repository = repository();
        Built built = build(repository, Map.of("GREETING", "hello"), null, List.of(Platform.of("linux", "amd64")),
                Map.of("token", BuildRequest.SecretSource.file(secretFile)), false);
        assertThat(built.progress()).doesNotContain(SECRET);

        // The layers: whiteout of the deleted base file, no secret, nothing .dockerignored, --chown/--chmod applied.
        BuiltImages.Image image = BuiltImages.read(registryUrl(), repository, "1", "amd64");
        assertThat(image.allNames()).contains("etc/.wh.base-file", "srv/app/run.txt", "srv/app/secret-checked",
                "srv/app/src/main.txt", "opt/archived.txt", "opt/remote.txt");
        assertThat(image.allNames()).noneMatch(n -> n.contains("skip.tmp") || n.contains("secret-notes")
                || n.startsWith("run/secrets") || n.startsWith("var/cache/e2e/x") || n.startsWith("proc/") || n.startsWith("dev/"));
        assertThat(image.anyLayerContains(SECRET.getBytes(StandardCharsets.UTF_8))).isFalse();
        BuiltImages.Entry config = image.file("srv/app/config.txt");
        assertThat(config.mode() & 07777).isEqualTo(0640);
        assertThat(config.uid()).isEqualTo(1000);
        assertThat(config.gid()).isEqualTo(1000);
        assertThat(image.file("srv/app/secret-checked").text().trim()).as("the step read the secret")
                .isEqualTo(Digest.sha256(SECRET.getBytes(StandardCharsets.UTF_8)).hex());
        assertThat(image.file("srv/app/interfaces").text().trim()).as("only lo with --network=none").isEqualTo("1");
        assertThat(image.file("srv/app/cache-listing").text().trim()).isEqualTo("x");

        // The config, as skopeo reads it.
        JsonNode inspected = RegistryHttp.Response.parse(check("skopeo", "inspect", "--config", "--raw", "--tls-verify=false",
                "docker://" + built.reference()).out().getBytes(StandardCharsets.UTF_8));
        JsonNode cfg = inspected.get("config");
        assertThat(BuiltImages.env(inspected)).containsEntry("APP_HOME", "/srv/app").containsEntry("GREETING", "hello")
                .doesNotContainKey("BASE");
        assertThat(cfg.get("WorkingDir").asString()).isEqualTo("/srv/app");
        assertThat(cfg.get("User").asString()).isEqualTo("app");
        assertThat(cfg.get("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(cfg.get("ExposedPorts").has("9090/udp")).isTrue();
        assertThat(cfg.get("Volumes").has("/data")).isTrue();
        assertThat(cfg.get("Labels").get("org.example.title").asString()).isEqualTo("stevedore e2e");
        assertThat(cfg.get("Labels").get("org.example.built-by").asString()).isEqualTo("e2e");
        assertThat(cfg.get("Healthcheck").get("Test").toString()).isEqualTo("[\"CMD-SHELL\",\"echo ok\"]");
        assertThat(cfg.get("Healthcheck").get("Interval").asLong()).isEqualTo(30_000_000_000L);
        assertThat(cfg.get("Healthcheck").get("Retries").asInt()).isEqualTo(3);
        assertThat(cfg.get("StopSignal").asString()).isEqualTo("SIGTERM");
        assertThat(cfg.get("OnBuild").toString()).contains("RUN echo onbuild");
        assertThat(cfg.get("Shell").toString()).isEqualTo("[\"/bin/sh\",\"-c\"]");
        assertThat(cfg.get("Cmd").toString()).isEqualTo("[\"ignored\"]");
        List<String> history = new ArrayList<>();
        int emptyLayers = 0;
        for (JsonNode entry : inspected.get("history")) {
            history.add(entry.path("created_by").asString());
            if (entry.path("empty_layer").asBoolean(false)) {
                emptyLayers++;
            }
        }
        assertThat(history).anyMatch(h -> h.startsWith("ENV APP_HOME=/srv/app"));
        assertThat(history).anyMatch(h -> h.contains("--mount=type=secret"));
        assertThat(String.join("\n", history)).doesNotContain(SECRET);
        assertThat(emptyLayers).isGreaterThanOrEqualTo(10);
        assertThat(inspected.get("rootfs").get("diff_ids").size()).isEqualTo(image.layers().size());

        // docker pull + docker run.
        Processes.assumeDockerDaemon();
        check("docker", "pull", built.reference());
        try {
            String output = check("docker", "run", "--rm", "--network", "none", built.reference()).out();
            assertThat(output.lines().toList()).containsExactly("hello", "1000", "/srv/app", "hello from run", "main.txt",
                    "remote content", "from the archive");
        } finally {
            Processes.run("docker", "rmi", "-f", built.reference());
        }
    }

    @Test
    void remainingOptionsHeredocsMountsPlatformsAndVariables() throws Exception {
        write("Dockerfile", """
                # escape=\\
                ARG BASE_TAG=amd64
                FROM --platform=$BUILDPLATFORM %1$s:${BASE_TAG} AS tools
                RUN echo "tool built on $(uname -m)" > /tool.txt
                FROM %1$s:amd64
                ARG UNSET
                ARG MODE=fast
                ENV DEFAULTED=${UNSET:-fallback} ALTERNATE=${MODE:+set} EMPTY=${UNSET:+never}
                COPY <<EOF /etc/generated.conf
                mode=$MODE
                EOF
                COPY --from=%1$s:amd64 /etc/passwd /copied-from-image
                RUN --mount=type=bind,from=tools,source=/tool.txt,target=/mnt/tool.txt cp /mnt/tool.txt /from-bind
                RUN --mount=type=bind,source=data.txt,target=/mnt/data.txt cp /mnt/data.txt /from-context
                RUN --mount=type=tmpfs,target=/scratch echo temp > /scratch/t && ls /scratch > /tmpfs-listing
                SHELL ["/bin/sh", "-e", "-c"]
                USER app
                RUN id -u > /tmp/uid && echo "$DEFAULTED $ALTERNATE [$EMPTY]" > /tmp/vars
                MAINTAINER someone@example.org
                """.formatted(base));
        write("data.txt", "context data\n");
        String repository = repository();
        build(repository);
        BuiltImages.Image image = BuiltImages.read(registryUrl(), repository, "1", "amd64");
        assertThat(image.file("etc/generated.conf").text()).isEqualTo("mode=fast\n");
        assertThat(image.file("copied-from-image").text()).contains("app:x:1000");
        assertThat(image.file("from-bind").text()).isEqualTo("tool built on x86_64\n");
        assertThat(image.file("from-context").text()).isEqualTo("context data\n");
        assertThat(image.file("tmpfs-listing").text()).isEqualTo("t\n");
        assertThat(image.allNames()).noneMatch(n -> n.startsWith("scratch/") || n.startsWith("mnt/"));
        assertThat(image.file("tmp/uid").text()).isEqualTo("1000\n");
        assertThat(image.file("tmp/vars").text()).isEqualTo("fallback set []\n");
        assertThat(image.config().get("author").asString()).isEqualTo("someone@example.org");
        assertThat(image.config().get("config").get("Shell").toString()).isEqualTo("[\"/bin/sh\",\"-e\",\"-c\"]");
    }

    @Test
    void fixedTimestampsMakeUncachedRebuildsByteIdentical() throws Exception {
        write("Dockerfile", """
                FROM %s:amd64
                COPY app.txt /app/app.txt
                RUN mkdir -p /out && cp /app/app.txt /out/copy && touch /out/marker
                """.formatted(base));
        write("app.txt", "reproducible\n");
        String repository = repository();
        Built first = buildAt(repository, 1_700_000_000L);
        Built second = buildAt(repository, 1_700_000_000L);
        assertThat(second.progress()).doesNotContain("CACHED");
        assertThat(second.result().digest()).isEqualTo(first.result().digest());
        JsonNode config = BuiltImages.read(registryUrl(), repository, "1", "amd64").config();
        assertThat(config.get("created").asString()).isEqualTo("2023-11-14T22:13:20Z");
    }

    private Built buildAt(String repository, long epochSeconds) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String reference = registryHost() + "/" + repository + ":1";
        try (Registries registries = new Registries(DockerConfig.load(shared.resolve("no-docker-config.json")), Map.of(), Set.of());
             PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            BuildRequest request = new BuildRequest(context, context.resolve("Dockerfile"),
                    List.of(ImageReference.parse(reference, registryHost())), Map.of(), null,
                    List.of(Platform.of("linux", "amd64")), Map.of(), true, Map.of(), null,
                    java.time.Instant.ofEpochSecond(epochSeconds), true, Duration.ofMinutes(5), 0);
            BuildResult result = new ImageBuilder(workDir, registries, registryHost()).build(request, new Progress(progress, false));
            return new Built(result, log.toString(StandardCharsets.UTF_8), reference);
        }
    }

    @Test
    void onbuildTriggersRunInTheChildBuildAndShortNamesUseTheDefaultRegistry() throws Exception {
        write("Dockerfile", """
                FROM %s:amd64
                ONBUILD COPY trigger.txt /from-trigger.txt
                ONBUILD RUN echo triggered > /onbuild-ran
                """.formatted(base));
        write("trigger.txt", "copied by a trigger\n");
        String parent = repository();
        build(parent);
        // A short name: the builder's default registry (here: the registry under test), no library/ prefix.
        write("Dockerfile", "FROM %s:1\nRUN cat /onbuild-ran\n".formatted(parent));
        String child = repository();
        Built built = build(child);
        assertThat(built.progress()).contains("ONBUILD");
        BuiltImages.Image image = BuiltImages.read(registryUrl(), child, "1", "amd64");
        assertThat(image.file("onbuild-ran").text()).isEqualTo("triggered\n");
        assertThat(image.file("from-trigger.txt").text()).isEqualTo("copied by a trigger\n");
        assertThat(image.config().get("config").has("OnBuild")).as("triggers are consumed, not inherited")
                .isFalse();
    }

    // --- multi-stage

    @Test
    void targetBuildsOnlyTheStagesItNeeds() throws Exception {
        write("Dockerfile", """
                FROM %1$s:amd64 AS builder
                RUN echo built-artifact > /artifact
                FROM %1$s:amd64 AS broken
                RUN echo this stage must not run && exit 3
                FROM %1$s:amd64 AS final
                COPY --from=builder /artifact /from-builder
                COPY --from=0 /etc/passwd /passwd-copy
                CMD ["cat", "/from-builder"]
                FROM final AS after
                RUN exit 4
                """.formatted(base));
        String repository = repository();
        Built built = build(repository, Map.of(), "final", List.of(Platform.of("linux", "amd64")), Map.of(), false);
        assertThat(built.progress()).doesNotContain("this stage must not run");
        BuiltImages.Image image = BuiltImages.read(registryUrl(), repository, "1", "amd64");
        assertThat(image.file("from-builder").text()).isEqualTo("built-artifact\n");
        assertThat(image.file("passwd-copy").text()).contains("app:x:1000");
        assertThat(image.allNames()).doesNotContain("artifact");
        assertThat(image.config().get("config").get("Cmd").toString()).isEqualTo("[\"cat\",\"/from-builder\"]");

        String builderRepository = repository();
        build(builderRepository, Map.of(), "builder", List.of(Platform.of("linux", "amd64")), Map.of(), false);
        BuiltImages.Image builderImage = BuiltImages.read(registryUrl(), builderRepository, "1", "amd64");
        assertThat(builderImage.file("artifact").text()).isEqualTo("built-artifact\n");
        assertThat(builderImage.config().get("config").get("Cmd").toString()).isEqualTo("[\"sh\"]");
    }

    // --- two platforms

    @Test
    void twoPlatformBuildRunsTheArm64StepUnderEmulationAndPushesAnIndex() throws Exception {
        write("Dockerfile", """
                FROM %s:multi
                ARG TARGETARCH
                RUN uname -m > /machine && echo "$TARGETARCH" > /targetarch
                """.formatted(base));
        String repository = repository();
        Built built = build(repository, Map.of(), null,
                List.of(Platform.of("linux", "amd64"), Platform.parse("linux/arm64")), Map.of(), false);
        assertThat(built.result().mediaType()).isEqualTo("application/vnd.oci.image.index.v1+json");
        BuiltImages.Image amd64 = BuiltImages.read(registryUrl(), repository, "1", "amd64");
        BuiltImages.Image arm64 = BuiltImages.read(registryUrl(), repository, "1", "arm64");
        assertThat(amd64.file("machine").text().trim()).isEqualTo("x86_64");
        assertThat(amd64.file("targetarch").text().trim()).isEqualTo("amd64");
        assertThat(arm64.file("machine").text().trim()).as("ran under qemu").isEqualTo("aarch64");
        assertThat(arm64.file("targetarch").text().trim()).isEqualTo("arm64");
        assertThat(arm64.config().get("architecture").asString()).isEqualTo("arm64");
    }

    // --- cache

    @Test
    void unchangedRebuildRunsNothingAndAnEditRerunsOnlyFromTheCopyThatIncludesIt() throws Exception {
        write("Dockerfile", """
                FROM %s:amd64
                COPY a.txt /a.txt
                RUN cat /a.txt > /copy-a && echo ran-a-$((40+2))
                COPY b.txt /b.txt
                RUN cat /b.txt > /copy-b && echo ran-b-$((40+2))
                """.formatted(base));
        write("a.txt", "a1\n");
        write("b.txt", "b1\n");
        String repository = repository();
        Built first = build(repository);
        assertThat(first.progress()).doesNotContain("CACHED").contains("ran-a-42", "ran-b-42");

        Built second = build(repository);
        assertThat(countOf(second.progress(), "CACHED")).isEqualTo(4);
        assertThat(second.progress()).doesNotContain("ran-a-42").doesNotContain("ran-b-42");
        assertThat(second.result().digest()).as("a fully cached rebuild reproduces the image").isEqualTo(first.result().digest());

        write("b.txt", "b2\n");
        Built edited = build(repository);
        assertThat(countOf(edited.progress(), "CACHED")).isEqualTo(2);
        assertThat(edited.progress()).doesNotContain("ran-a-42").contains("ran-b-42");
        assertThat(BuiltImages.read(registryUrl(), repository, "1", "amd64").file("copy-b").text()).isEqualTo("b2\n");

        Built noCache = build(repository, Map.of(), null, List.of(Platform.of("linux", "amd64")), Map.of(), true);
        assertThat(noCache.progress()).doesNotContain("CACHED").contains("ran-a-42", "ran-b-42");
    }

    @Test
    void cacheEntriesLiveInTheRegistrySoAnotherWorkerHitsThem() throws Exception {
        write("Dockerfile", """
                FROM %s:amd64
                RUN echo shared-step > /shared
                """.formatted(base));
        String repository = repository();
        build(repository);
        Path original = workDir;
        workDir = shared.resolve("other-worker-" + RegistryHttp.randomSuffix());
        try {
            Built elsewhere = build(repository);
            assertThat(countOf(elsewhere.progress(), "CACHED")).isEqualTo(1);
        } finally {
            workDir = original;
        }
    }

    // --- hostile input

    @Test
    void contextSymlinkOutOfTheContextIsRefused() throws Exception {
        write("Dockerfile", "FROM %s:amd64\nCOPY evil/passwd /stolen\n".formatted(base));
        Files.createSymbolicLink(context.resolve("evil"), Path.of("/etc"));
        assertThatThrownBy(() -> build(repository())).hasMessageContaining("evil");
    }

    @Test
    void baseLayerEscapingTheRootIsRefused() throws Exception {
        String hostile = pushHostileImage();
        write("Dockerfile", "FROM %s\nRUN true\n".formatted(hostile));
        assertThatThrownBy(() -> build(repository())).hasMessageContaining("..");
        assertThat(Path.of("/tmp/stevedore-escaped")).doesNotExist();
    }

    @Test
    void failingRunStepFailsTheBuildWithItsExitCode() throws Exception {
        write("Dockerfile", "FROM %s:amd64\nRUN echo about to fail && exit 7\n".formatted(base));
        assertThatThrownBy(() -> build(repository())).hasMessageContaining("exit code: 7");
    }

    private String pushHostileImage() throws IOException {
        ByteArrayOutputStream tarBytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = BusyboxImages.tarStream(tarBytes)) {
            BusyboxImages.putFile(tar, "../../../../tmp/stevedore-escaped", "x".getBytes(StandardCharsets.UTF_8), 0644);
        }
        byte[] layerTar = tarBytes.toByteArray();
        BusyboxImages.Blob layer = new BusyboxImages.Blob(BusyboxImages.OCI_LAYER_GZIP, BusyboxImages.gzip(layerTar));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", "amd64");
        config.put("os", "linux");
        config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(BusyboxImages.sha256(layerTar))));
        BusyboxImages.Blob configBlob = new BusyboxImages.Blob(BusyboxImages.OCI_CONFIG, BusyboxImages.json(config));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", BusyboxImages.OCI_MANIFEST);
        manifest.put("config", configBlob.descriptor());
        manifest.put("layers", List.of(layer.descriptor()));
        BusyboxImages.Blob manifestBlob = new BusyboxImages.Blob(BusyboxImages.OCI_MANIFEST, BusyboxImages.json(manifest));
        Path dir = shared.resolve("hostile-" + RegistryHttp.randomSuffix());
        BusyboxImages.Layout layout = BusyboxImages.writeLayout(dir, Map.of("evil", manifestBlob),
                List.of(layer, configBlob, manifestBlob));
        String reference = registryHost() + "/builds/hostile:evil";
        check("skopeo", "copy", "--dest-tls-verify=false", layout.reference("evil"), "docker://" + reference);
        return reference;
    }

    private static void writeTarGz(Path file, String name, String content) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(bytes.length);
            entry.setMode(0100644);
            tar.putArchiveEntry(entry);
            tar.write(bytes);
            tar.closeArchiveEntry();
        }
    }

    private static int countOf(String text, String needle) {
        int count = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            count++;
        }
        return count;
    }
}
