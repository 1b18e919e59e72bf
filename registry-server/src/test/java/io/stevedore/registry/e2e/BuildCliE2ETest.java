package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.RegistryTestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone CLI as users run it: `java -jar build-service/target/build-service.jar build ...`,
 * progress on stderr, the digest on stdout, non-zero exit on failure, credentials from a docker
 * config.json.
 */
class BuildCliE2ETest extends RegistryTestSupport {
    private static final Path JAR = Path.of("..", "build-service", "target", "build-service.jar");

    @TempDir
    static Path shared;

    private static String base;

    @TempDir
    Path context;

    @BeforeAll
    static void pushBase() throws IOException {
        assumeTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is not built (run `mvn package` first); skipping");
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"),
                "builds mount overlays and start runc containers: needs root; skipping");
        Processes.assumeInstalled("runc", "runc");
        base = BuildBaseImages.push(registryHost(), shared, false);
    }

    private Processes.Result cli(String... args) throws IOException {
        Path dockerConfig = Files.createDirectories(shared.resolve("docker-config"));
        Files.writeString(dockerConfig.resolve("config.json"), "{\"auths\":{\"" + registryHost() + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("nobody:unused".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        List<String> withEnv = new ArrayList<>(List.of("env", "DOCKER_CONFIG=" + dockerConfig,
                "STEVEDORE_BUILD_DIR=" + shared.resolve("work")));
        withEnv.addAll(command);
        return Processes.execute(null, Duration.ofMinutes(5), withEnv);
    }

    @Test
    void buildPrintsTheDigestItPushedAndProgressOnStderr() throws IOException {
        Files.writeString(context.resolve("Dockerfile"), """
                FROM %s:amd64
                ARG WHO=nobody
                RUN echo "hello $WHO" > /greeting
                CMD ["cat", "/greeting"]
                """.formatted(base));
        String reference = registryHost() + "/builds/cli-" + RegistryHttp.randomSuffix() + ":v1";
        Processes.Result result = cli("build", "-t", reference, "--build-arg", "WHO=cli", "--progress", "plain",
                context.toString());
        assertThat(result.succeeded()).as(result.describe()).isTrue();
        String digest = result.out().trim();
        assertThat(digest).startsWith("sha256:");
        assertThat(result.stderr()).contains("RUN echo", "DONE");
        String repository = reference.substring(registryHost().length() + 1, reference.lastIndexOf(':'));
        RegistryHttp.Response manifest = RegistryHttp.manifest(registryUrl(), repository, "v1");
        assertThat(manifest.dockerContentDigest()).isEqualTo(digest);
        BuiltImages.Image image = BuiltImages.read(registryUrl(), repository, "v1", "amd64");
        assertThat(image.file("greeting").text()).isEqualTo("hello cli\n");
    }

    @Test
    void aBrokenDockerfileExitsNonZeroNamingTheLine() throws IOException {
        Files.writeString(context.resolve("Dockerfile"), "FROM %s:amd64\nFORM oops\n".formatted(base));
        Processes.Result result = cli("build", "-t", registryHost() + "/builds/cli-broken:1", context.toString());
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("Dockerfile:2").contains("FORM");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void unknownOptionIsAUsageError() throws IOException {
        Processes.Result result = cli("build", "--frobnicate", context.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("unknown option --frobnicate").contains("usage:");
    }
}
