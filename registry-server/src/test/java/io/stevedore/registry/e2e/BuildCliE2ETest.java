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
    /** Built beside the jar where a C compiler is (build-service's native-client profile). */
    private static final Path NATIVE_CLIENT = Path.of("..", "build-service", "target", "stevedore-build");
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

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
        return cli(List.of("STEVEDORE_BUILD_DAEMON=off"), args);
    }

    private Processes.Result cli(List<String> extraEnv, String... args) throws IOException {
        return run(List.of(JAVA, "-jar", JAR.toAbsolutePath().toString()), extraEnv, args);
    }

    private Processes.Result run(List<String> program, List<String> extraEnv, String... args) throws IOException {
        Path dockerConfig = Files.createDirectories(shared.resolve("docker-config"));
        Files.writeString(dockerConfig.resolve("config.json"), "{\"auths\":{\"" + registryHost() + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("nobody:unused".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        List<String> command = new ArrayList<>(program);
        command.addAll(List.of(args));
        List<String> withEnv = new ArrayList<>(List.of("env", "DOCKER_CONFIG=" + dockerConfig,
                "STEVEDORE_BUILD_DIR=" + shared.resolve("work"), "STEVEDORE_BUILD_DAEMON_IDLE=120"));
        withEnv.addAll(extraEnv);
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
        String secondTag = reference.substring(0, reference.lastIndexOf(':')) + ":latest";
        Processes.Result result = cli("build", "-t", reference, "--tag", secondTag, "--build-arg", "WHO=cli",
                "--progress", "plain", context.toString());
        assertThat(result.succeeded()).as(result.describe()).isTrue();
        String digest = result.out().trim();
        assertThat(digest).startsWith("sha256:");
        assertThat(result.stderr()).contains("RUN echo", "DONE");
        String repository = reference.substring(registryHost().length() + 1, reference.lastIndexOf(':'));
        RegistryHttp.Response manifest = RegistryHttp.manifest(registryUrl(), repository, "v1");
        assertThat(manifest.dockerContentDigest()).isEqualTo(digest);
        assertThat(RegistryHttp.manifest(registryUrl(), repository, "latest").dockerContentDigest())
                .as("every -t gets the image").isEqualTo(digest);
        BuiltImages.Image image = BuiltImages.read(registryUrl(), repository, "v1", "amd64");
        assertThat(image.file("greeting").text()).isEqualTo("hello cli\n");
    }

    @Test
    void theBuildDaemonServesLaterBuildsWithTheClientsEnvironmentAndStops() throws Exception {
        Files.writeString(context.resolve("Dockerfile"), """
                FROM %s:amd64
                ARG WHO
                RUN --mount=type=secret,id=token cat /run/secrets/token | wc -c > /token-length && echo "$WHO" > /who
                """.formatted(base));
        String reference = registryHost() + "/builds/cli-daemon-" + RegistryHttp.randomSuffix() + ":1";
        List<String> env = List.of("WHO=from-client-env", "BUILD_TOKEN=0123456789");
        Processes.Result first = cli(env, "build", "-t", reference, "--build-arg", "WHO", "--secret", "id=token,env=BUILD_TOKEN",
                context.toString());
        assertThat(first.succeeded()).as(first.describe()).isTrue();
        Path work = shared.resolve("work");
        Path socket = awaitDaemonSocket(work);
        assertThat(socket).as("the first build started a daemon").isNotNull();
        Path daemonLog = socket.resolveSibling(socket.getFileName() + ".log");
        int logBefore = Files.readString(daemonLog).length();   // the first build ran there too once an AOT cache exists
        Files.writeString(context.resolve("Dockerfile"), Files.readString(context.resolve("Dockerfile")) + "RUN echo second\n");
        Processes.Result second = cli(env, "build", "-t", reference, "--build-arg", "WHO", "--secret", "id=token,env=BUILD_TOKEN",
                "--progress", "plain", context.toString());
        assertThat(second.succeeded()).as(second.describe()).isTrue();
        assertThat(second.stderr()).contains("CACHED", "second");
        assertThat(Files.readString(daemonLog).substring(logBefore)).as("the second build ran in the daemon").contains("build in");
        String repository = reference.substring(registryHost().length() + 1, reference.lastIndexOf(':'));
        BuiltImages.Image image = BuiltImages.read(registryUrl(), repository, "1", "amd64");
        assertThat(image.file("who").text()).isEqualTo("from-client-env\n");
        assertThat(image.file("token-length").text().trim()).isEqualTo("10");
        assertThat(second.out().trim()).isEqualTo(RegistryHttp.manifest(registryUrl(), repository, "1").dockerContentDigest());

        assertStops(cli(List.of(), "daemon", "stop"), socket);
    }

    @Test
    void theNativeClientStartsTheDaemonThroughTheJarAndHandsItLaterBuilds() throws Exception {
        assumeTrue(Files.isExecutable(NATIVE_CLIENT),
                NATIVE_CLIENT.toAbsolutePath() + " is not built (no C compiler when build-service was packaged); skipping");
        Files.writeString(context.resolve("Dockerfile"), """
                FROM %s:amd64
                ARG WHO
                RUN --mount=type=secret,id=token cat /run/secrets/token | wc -c > /token-length && echo "$WHO" > /who
                """.formatted(base));
        String reference = registryHost() + "/builds/cli-native-" + RegistryHttp.randomSuffix() + ":1";
        Path work = shared.resolve("native-work");   // a daemon of its own
        List<String> common = List.of("WHO=from-native-client", "BUILD_TOKEN=0123456789ab", "STEVEDORE_BUILD_DIR=" + work);
        List<String> env = new ArrayList<>(common);
        env.add("JAVA_HOME=" + Path.of(JAVA).getParent().getParent());
        // no `java` to fall back to: a build that passes with these went through the daemon
        List<String> daemonOnly = new ArrayList<>(common);
        daemonOnly.add("JAVA_HOME=" + shared.resolve("no-jdk-here"));
        List<String> client = List.of(NATIVE_CLIENT.toAbsolutePath().toString());
        Processes.Result first = run(client, env, "build", "-t", reference, "--build-arg", "WHO",
                "--secret", "id=token,env=BUILD_TOKEN", context.toString());
        assertThat(first.succeeded()).as(first.describe()).isTrue();
        Path socket = awaitDaemonSocket(work);
        assertThat(socket).as("the first build, run by the jar, started a daemon").isNotNull();
        Path daemonLog = socket.resolveSibling(socket.getFileName() + ".log");

        Files.writeString(context.resolve("Dockerfile"), Files.readString(context.resolve("Dockerfile")) + "RUN echo second\n");
        Processes.Result second = run(client, daemonOnly, "build", "-t", reference, "--build-arg", "WHO",
                "--secret", "id=token,env=BUILD_TOKEN", "--progress", "plain", context.toString());
        assertThat(second.succeeded()).as(second.describe()).isTrue();
        assertThat(second.stderr()).contains("CACHED", "second");
        assertThat(Files.readString(daemonLog)).as("the second build ran in the daemon").contains("build in");
        String repository = reference.substring(registryHost().length() + 1, reference.lastIndexOf(':'));
        assertThat(second.out().trim()).isEqualTo(RegistryHttp.manifest(registryUrl(), repository, "1").dockerContentDigest());
        BuiltImages.Image image = BuiltImages.read(registryUrl(), repository, "1", "amd64");
        assertThat(image.file("who").text()).isEqualTo("from-native-client\n");
        assertThat(image.file("token-length").text().trim()).isEqualTo("12");

        Processes.Result broken = run(client, daemonOnly, "build", "--frobnicate", context.toString());
        assertThat(broken.exitCode()).as(broken.describe()).isEqualTo(2);
        assertThat(broken.stderr()).contains("unknown option --frobnicate");

        assertStops(run(client, env, "daemon", "stop"), socket);
    }

    @Test
    void aBuildThatFindsNoDaemonStartsOneAndRunsInIt() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the daemon is waited for only when it starts from an AOT cache (JDK 25+); skipping");
        Files.writeString(context.resolve("Dockerfile"), "FROM %s:amd64\nRUN echo hello > /hello\n".formatted(base));
        String reference = registryHost() + "/builds/cli-first-" + RegistryHttp.randomSuffix() + ":1";
        Processes.Result recording = cli("build", "-t", reference, context.toString());   // records the AOT cache if missing
        assertThat(recording.succeeded()).as(recording.describe()).isTrue();
        Path cache = JAR.resolveSibling("build-service-" + Files.size(JAR) + "-" + Files.getLastModifiedTime(JAR).toMillis()
                + "-jdk" + Runtime.version().feature() + ".aot");
        for (int i = 0; i < 1200 && !Files.exists(cache); i++) {
            Thread.sleep(100);
        }
        assertThat(cache).as("assembled in the background after the first run").exists();

        Path work = shared.resolve("first-start-work");   // no daemon there yet
        Processes.Result first = cli(List.of("STEVEDORE_BUILD_DIR=" + work), "build", "-t", reference, context.toString());
        assertThat(first.succeeded()).as(first.describe()).isTrue();
        Path socket = awaitDaemonSocket(work);
        assertThat(socket).isNotNull();
        assertThat(Files.readString(socket.resolveSibling(socket.getFileName() + ".log")))
                .as("the build ran in the daemon it started, not beside it").contains("build in");
        assertThat(first.out().trim()).isEqualTo(RegistryHttp.manifest(registryUrl(),
                reference.substring(registryHost().length() + 1, reference.lastIndexOf(':')), "1").dockerContentDigest());
        assertStops(cli(List.of("STEVEDORE_BUILD_DIR=" + work), "daemon", "stop"), socket);
    }

    /** The socket a build started in the background, in {@code work}; null after a minute without one. */
    private static Path awaitDaemonSocket(Path work) throws IOException, InterruptedException {
        for (int i = 0; i < 600; i++) {
            try (var files = Files.list(work)) {
                Path socket = files.filter(p -> p.getFileName().toString().endsWith(".sock")).findFirst().orElse(null);
                if (socket != null) {
                    return socket;
                }
            }
            Thread.sleep(100);
        }
        return null;
    }

    private static void assertStops(Processes.Result stop, Path socket) throws InterruptedException {
        assertThat(stop.succeeded()).as(stop.describe()).isTrue();
        for (int i = 0; i < 100 && Files.exists(socket); i++) {
            Thread.sleep(100);
        }
        assertThat(socket).doesNotExist();
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
