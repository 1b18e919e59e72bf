package io.stevedore.builder.engine;

import io.stevedore.builder.context.BuildContext;
import io.stevedore.builder.dockerfile.Dockerfile;
import io.stevedore.builder.dockerfile.Instruction;
import io.stevedore.builder.dockerfile.Stage;
import io.stevedore.builder.layers.LayerOptions;
import io.stevedore.builder.sandbox.Sandbox;
import io.stevedore.client.DockerConfig;
import io.stevedore.client.ImageReference;
import io.stevedore.json.Json;
import io.stevedore.oci.Platform;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One build's engine parts, made for real in a temporary directory, for tests that need neither
 * root nor runc nor a registry: stages FROM scratch (or FROM another stage) whose instructions
 * only change the config run all the way; RUN and COPY steps are only planned (their cache keys).
 */
final class TestBuild implements AutoCloseable {
    static final Platform AMD64 = Platform.of("linux", "amd64");

    final Path context;
    final BuildSession session;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final Registries registries;

    private TestBuild(Path dir, String dockerfileText, Map<String, String> buildArgs, String target, boolean networkDefault)
            throws IOException {
        this.context = Files.createDirectories(dir.resolve("context"));
        Path dockerfile = context.resolve("Dockerfile");
        Files.writeString(dockerfile, dockerfileText);
        Path workDir = Files.createDirectories(dir.resolve("work"));
        ImageReference tag = ImageReference.parse("127.0.0.1:1/test/app:latest", ImageReference.DOCKER_HUB);
        BuildRequest request = new BuildRequest(context, dockerfile, List.of(tag), buildArgs, target, List.of(AMD64),
                Map.of(), false, Map.of(), null, null, networkDefault, null, 0);
        this.registries = new Registries(DockerConfig.empty(), Map.of(), Set.of());
        ImageReference cacheRepository = ImageReference.parse("127.0.0.1:1/test/app/buildcache:cache", ImageReference.DOCKER_HUB);
        this.session = new BuildSession(request, Dockerfile.parse(dockerfileText), BuildContext.open(context), registries,
                new BaseImages(registries), new LayerStore(workDir), new BuildCache(workDir, cacheRepository, registries),
                Sandbox.runc(workDir.resolve("runc")), new Progress(new PrintStream(log, true, StandardCharsets.UTF_8), false),
                LayerOptions.defaults(), ImageReference.DOCKER_HUB, workDir, name -> null);
    }

    static TestBuild of(Path dir, String dockerfile) throws IOException {
        return new TestBuild(dir, dockerfile, Map.of(), null, true);
    }

    static TestBuild of(Path dir, String dockerfile, Map<String, String> buildArgs, String target) throws IOException {
        return new TestBuild(dir, dockerfile, buildArgs, target, true);
    }

    static TestBuild of(Path dir, String dockerfile, Map<String, String> buildArgs, String target, boolean networkDefault)
            throws IOException {
        return new TestBuild(dir, dockerfile, buildArgs, target, networkDefault);
    }

    StageExecutor executor() {
        return new StageExecutor(session, AMD64);
    }

    /** Builds the target stage (the request's, else the last). */
    StageExecutor.StageResult target() {
        return executor().target();
    }

    /** The step titles printed so far, in order, without the step numbers. */
    List<String> steps() {
        return Arrays.stream(log.toString(StandardCharsets.UTF_8).split("\n"))
                .filter(line -> line.startsWith("#") && !line.matches("#\\d+ (DONE|CACHED).*"))
                .map(line -> line.substring(line.indexOf(' ') + 1))
                .toList();
    }

    Stage stage(String name) {
        return session.dockerfile.stage(name).orElseThrow();
    }

    /** The RUN step that is instruction {@code index} of {@code stage}, planned after the instructions before it ran. */
    RunStep.Plan planRun(String stageName, int index) {
        StageExecutor executor = executor();
        Stage stage = stage(stageName);
        StageState state = executor.runUpTo(stage, index);
        return executor.layerSteps().runStep().plan((Instruction.Run) stage.instructions().get(index), state, stage);
    }

    /** The cache key of the COPY that is instruction {@code index} of {@code stage}. */
    io.stevedore.oci.Digest copyKey(String stageName, int index) {
        StageExecutor executor = executor();
        Stage stage = stage(stageName);
        StageState state = executor.runUpTo(stage, index);
        return executor.layerSteps().copyKey((Instruction.Copy) stage.instructions().get(index), state, stage);
    }

    static JsonNode json(ImageConfig config) {
        return Json.MAPPER.readTree(config.toJson());
    }

    @Override
    public void close() {
        session.close();
        registries.close();
    }
}
