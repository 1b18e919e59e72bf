package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.TestStorage;
import io.stevedore.registry.postgres.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/Dockerfile builds both images from the packaged jars, and the registry image runs: its
 * container answers /v2/ and the actuator health endpoints on an external PostgreSQL.
 *
 * <p>No Docker Hub here, so the base image is made locally by deploy/local-base-image.sh (a jlinked
 * runtime of the JDK running this test, plus busybox) and given as {@code BASE_IMAGE}; the worker
 * stage gets {@code WORKER_PACKAGES=} (that base has no apt-get). Built with Debian's docker CLI
 * without BuildKit (the machine's newer CLI wants buildx for that) and {@code --network host}
 * (the daemon runs without a bridge). Runs once, in the fs execution: storage plays no part.
 */
class DockerImageIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target", "docker-image-it").toAbsolutePath();
    private static final String DOCKER = Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String BASE = "stevedore-it-base:" + SUFFIX;
    private static final String REGISTRY_IMAGE = "stevedore-it-registry:" + SUFFIX;
    private static final String WORKER_IMAGE = "stevedore-it-worker:" + SUFFIX;
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static EmbeddedPostgres postgres;
    private static String container;

    @BeforeAll
    static void buildImages() throws Exception {
        assumeFalse(TestStorage.s3(), "the image does not depend on the storage; runs in the fs execution only");
        assumeTrue(Files.isRegularFile(ROOT.resolve("registry-server/target/registry-server.jar"))
                && Files.isRegularFile(ROOT.resolve("build-service/target/build-service.jar")),
                "the jars are not packaged (mvn package); skipping");
        Processes.assumeDockerDaemon();
        Processes.assumeInstalled("busybox", "busybox-static");
        Files.createDirectories(WORK);
        String jdk = System.getProperty("java.home");
        run(ROOT, List.of("sh", "deploy/local-base-image.sh", BASE, jdk), List.of("DOCKER=" + DOCKER));
        build("registry", REGISTRY_IMAGE);
        build("worker", WORKER_IMAGE);
    }

    @AfterAll
    static void removeImages() throws Exception {
        if (container != null) {
            Processes.run(DOCKER, "rm", "-f", container);
        }
        if (postgres != null) {
            postgres.stop();
        }
        Processes.run(DOCKER, "rmi", "-f", REGISTRY_IMAGE, WORKER_IMAGE, BASE);
    }

    private static void build(String target, String tag) {
        run(ROOT, List.of(DOCKER, "build", "--network", "host", "-f", "deploy/Dockerfile", "--target", target,
                "--build-arg", "BASE_IMAGE=" + BASE, "--build-arg", "WORKER_PACKAGES=", "-t", tag, "."),
                List.of("DOCKER_BUILDKIT=0"));
    }

    private static Processes.Result run(Path dir, List<String> command, List<String> environment) {
        List<String> withEnvironment = new ArrayList<>(List.of("env"));
        withEnvironment.addAll(environment);
        withEnvironment.addAll(command);
        Processes.Result result = Processes.run(dir, Duration.ofMinutes(5), withEnvironment);
        assertThat(result.succeeded()).as(result.describe()).isTrue();
        return result;
    }

    @Test
    void registryContainerAnswersV2AndHealthOnExternalPostgres() throws Exception {
        postgres = new EmbeddedPostgres(WORK.resolve("database"), 0, "nobody");
        EmbeddedPostgres.Endpoint db = postgres.start();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        container = "stevedore-it-registry-" + SUFFIX;
        Processes.check(DOCKER, "run", "-d", "--name", container, "--network", "host",
                "-e", "SERVER_PORT=" + port, "-e", "SERVER_ADDRESS=127.0.0.1",
                "-e", "SPRING_DATASOURCE_URL=" + db.jdbcUrl(),
                "-e", "SPRING_DATASOURCE_USERNAME=" + db.username(),
                "-e", "SPRING_DATASOURCE_PASSWORD=" + db.password(),
                "-e", "REGISTRY_AUTH_ADMIN_PASSWORD=" + ADMIN_PASSWORD,
                REGISTRY_IMAGE);
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpResponse<String> readiness = awaitStatus(base.resolve("/actuator/health/readiness"), 200, Duration.ofMinutes(2));
        assertThat(readiness.body()).contains("\"UP\"");
        assertThat(get(base.resolve("/actuator/health/liveness"), null).statusCode()).isEqualTo(200);
        assertThat(get(base.resolve("/actuator/health"), null).body()).contains("\"status\":\"UP\"");

        HttpResponse<String> anonymous = get(base.resolve("/v2/"), null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer realm=");
        HttpResponse<String> admin = get(base.resolve("/v2/"), "Basic " + Base64.getEncoder()
                .encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.headers().firstValue("Docker-Distribution-API-Version")).hasValue("registry/2.0");

        String user = Processes.check(DOCKER, "exec", container, "id", "-u").out().trim();
        assertThat(user).as("the registry runs unprivileged").isEqualTo("10001");
    }

    @Test
    void workerImageRunsTheWorkerCommand() {
        // No token given: the worker command itself answers with its usage (exit 2), so the
        // entrypoint, the jar and the runtime are all there.
        Processes.Result result = Processes.run(DOCKER, "run", "--rm", "--network", "none", WORKER_IMAGE);
        assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
        assertThat(result.stderr()).contains("a worker token is required")
                .contains("usage: java -jar build-service.jar worker");
    }

    private static HttpResponse<String> awaitStatus(URI url, int status, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get(url, null);
                if (last.statusCode() == status) {
                    return last;
                }
            } catch (IOException notListeningYet) {
                // the JVM in the container is still starting
            }
            Processes.Result state = Processes.run(DOCKER, "inspect", "-f", "{{.State.Running}}", container);
            if (!state.out().trim().equals("true")) {
                throw new AssertionError("container exited: " + Processes.run(DOCKER, "logs", container).describe());
            }
            Thread.sleep(250);
        }
        throw new AssertionError(url + " did not answer " + status + " within " + within + " (last: "
                + (last == null ? "no answer" : last.statusCode() + " " + last.body()) + ")\n"
                + Processes.run(DOCKER, "logs", container).describe());
    }

    private static HttpResponse<String> get(URI url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
