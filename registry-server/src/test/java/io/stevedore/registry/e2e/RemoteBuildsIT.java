package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.json.Json;
import io.stevedore.registry.TestStorage;
import io.stevedore.registry.postgres.EmbeddedPostgres;
import io.stevedore.registry.scaleout.ReplicaProcesses;
import io.stevedore.registry.scaleout.ScaleOutStorage;
import java.io.IOException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * Remote builds as an operator runs them, from the packaged jars: two registry replicas (auth on)
 * on one PostgreSQL and one storage (filesystem, or S3Proxy with {@code -Dstevedore.test.storage=s3}),
 * and two build worker processes ({@code java -jar build-service.jar worker}). Builds come from the
 * remote CLI (an uploaded context), from a git repository and from a signed GitHub push webhook; the results are pulled and run by
 * docker and inspected by skopeo. A running build is cancelled; a worker is SIGKILLed mid-build
 * and the other finishes the build.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteBuildsIT {
    private static final Path REGISTRY_JAR = Path.of("target", "registry-server.jar").toAbsolutePath();
    private static final Path BUILD_JAR = Path.of("..", "build-service", "target", "build-service.jar")
            .toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target", "remote-builds-it-" + (TestStorage.s3() ? "s3" : "fs"))
            .toAbsolutePath();
    private static final String WORKER_TOKEN = "worker-" + UUID.randomUUID();
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static EmbeddedPostgres postgres;
    private static ScaleOutStorage storage;
    private static ReplicaProcesses replicas;
    private static URI a;
    private static URI b;
    private static String hostA;
    private static final Map<String, Process> workers = new LinkedHashMap<>();
    private static String user;
    private static String password;
    private static String base;
    private static Path dockerConfig;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isRegularFile(BUILD_JAR), BUILD_JAR + " is not built (mvn package); skipping");
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"),
                "build workers mount overlays and start runc containers: needs root; skipping");
        Processes.assumeInstalled("runc", "runc");
        Processes.assumeInstalled("skopeo", "skopeo");
        Processes.assumeInstalled("git", "git");
        SandboxLeftovers.clean(WORK);
        postgres = new EmbeddedPostgres(WORK.resolve("database"), 0, "nobody");
        EmbeddedPostgres.Endpoint db = postgres.start();
        storage = ScaleOutStorage.start(WORK);
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        List<String> shared = new ArrayList<>(List.of(
                "--registry.auth.admin-password=" + ADMIN_PASSWORD,
                "--spring.datasource.url=" + db.jdbcUrl(),
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password(),
                "--registry.builds.worker-token=" + WORKER_TOKEN,
                "--registry.builds.secret-key=" + Base64.getEncoder().encodeToString(key),
                "--registry.builds.lease-timeout=6s", "--registry.builds.heartbeat=1s",
                "--registry.builds.embedded-worker=false"));
        shared.addAll(storage.arguments());
        if (shared.stream().noneMatch(arg -> arg.startsWith("--registry.data-dir="))) {
            // both replicas sign tokens with one key, as replicas must
            shared.add("--registry.data-dir=" + WORK.resolve("shared-data"));
        }
        replicas = new ReplicaProcesses();
        a = replicas.start(REGISTRY_JAR, WORK.resolve("a"), shared).url();
        b = replicas.start(REGISTRY_JAR, WORK.resolve("b"), shared).url();
        hostA = a.getHost() + ":" + a.getPort();

        user = "dev";
        password = "pw-" + UUID.randomUUID();
        HttpResponse<String> created = api(a, "POST", "/api/v1/users", Map.of("username", user, "password", password),
                basic("admin", ADMIN_PASSWORD));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        dockerConfig = Files.createDirectories(WORK.resolve("docker-config"));
        Files.writeString(dockerConfig.resolve("config.json"), "{\"auths\":{\"" + hostA + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        base = BuildBaseImages.push(hostA, user + "/base", user + ":" + password, WORK, false);
        startWorker("w1");
        startWorker("w2");
    }

    @AfterAll
    static void stop() throws Exception {
        if (dockerConfig != null) {
            cli("daemon", "stop");
        }
        for (Process worker : workers.values()) {
            worker.destroy();
        }
        for (Process worker : workers.values()) {
            worker.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
            worker.destroyForcibly();
        }
        SandboxLeftovers.clean(WORK.resolve("w1"));
        SandboxLeftovers.clean(WORK.resolve("w2"));
        if (replicas != null) {
            replicas.close();
        }
        if (postgres != null) {
            postgres.stop();
        }
        if (storage != null) {
            storage.close();
        }
    }

    @Test
    @Order(1)
    void remoteCliBuildsAnUploadedContextThatDockerRuns() throws Exception {
        Path context = Files.createDirectories(WORK.resolve("cli-context"));
        Files.writeString(context.resolve("Dockerfile"), """
                FROM %s:amd64
                ARG WHO=nobody
                COPY . /ctx
                RUN --mount=type=secret,id=token test "$(wc -c < /run/secrets/token)" -eq 5 \\
                    && test ! -e /ctx/ignored.txt && echo "hello $WHO" > /greeting
                CMD ["cat", "/greeting"]
                """.formatted(base));
        Files.writeString(context.resolve("ignored.txt"), "not sent");
        Files.writeString(context.resolve(".dockerignore"), "ignored.txt\n");
        Path secret = Files.writeString(WORK.resolve("token.txt"), "t0ken");

        Processes.Result result = cli("build", "--remote", a.toString(), "-t", user + "/app:1", "-t", user + "/app:latest",
                "--build-arg", "WHO=remote", "--secret", "id=token,src=" + secret, context.toString());
        assertThat(result.succeeded()).as(result.describe()).isTrue();
        String digest = result.out().trim();
        assertThat(digest).startsWith("sha256:");
        assertThat(result.stderr()).contains("RUN --mount=type=secret").doesNotContain("t0ken");

        Processes.Result inspect = Processes.check("skopeo", "inspect", "--tls-verify=false",
                "--creds", user + ":" + password, "docker://" + hostA + "/" + user + "/app:latest");
        assertThat(Json.MAPPER.readTree(inspect.stdout()).get("Digest").asString()).isEqualTo(digest);
        Processes.assumeDockerDaemon();
        String image = hostA + "/" + user + "/app:1";
        Processes.check("docker", "--config", dockerConfig.toString(), "pull", image);
        Processes.Result run = Processes.check("docker", "run", "--rm", "--network", "none", image);
        assertThat(run.out().trim()).isEqualTo("hello remote");
        Processes.run("docker", "rmi", image);
    }

    @Test
    @Order(2)
    void gitSourcedBuildSubmittedOnOneReplicaIsFollowedOnTheOther() throws Exception {
        Path repo = Files.createDirectories(WORK.resolve("git-repo"));
        Files.createDirectories(repo.resolve("app"));
        Files.writeString(repo.resolve("app/Dockerfile"), """
                FROM %s:amd64
                COPY message /message
                CMD ["cat", "/message"]
                """.formatted(base));
        Files.writeString(repo.resolve("app/message"), "from git\n");
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", ".");
        git(repo, "commit", "-q", "-m", "first");
        int port = freePort();
        Process daemon = new ProcessBuilder("git", "daemon", "--reuseaddr", "--listen=127.0.0.1", "--port=" + port,
                "--base-path=" + repo.getParent(), "--export-all", repo.toString())
                .redirectErrorStream(true).redirectOutput(WORK.resolve("git-daemon.log").toFile()).start();
        try {
            awaitListening(port);
            buildFromGit("git://127.0.0.1:" + port + "/" + repo.getFileName());
        } finally {
            daemon.destroy();
        }
    }

    @Test
    @Order(3)
    void signedGithubPushBuildsThePushedCommit() throws Exception {
        Path repo = WORK.resolve("git-repo");
        Files.writeString(repo.resolve("app/message"), "from a webhook\n");
        git(repo, "commit", "-q", "-am", "second");
        String sha = Processes.check("git", "-C", repo.toString(), "rev-parse", "HEAD").out().trim();
        int port = freePort();
        Process daemon = new ProcessBuilder("git", "daemon", "--reuseaddr", "--listen=127.0.0.1", "--port=" + port,
                "--base-path=" + repo.getParent(), "--export-all", repo.toString())
                .redirectErrorStream(true).redirectOutput(WORK.resolve("git-daemon-2.log").toFile()).start();
        try {
            awaitListening(port);
            String url = "git://127.0.0.1:" + port + "/" + repo.getFileName();
            HttpResponse<String> created = api(a, "POST", "/api/v1/builds/triggers", Map.of("repository", user + "/hooked",
                    "git", Map.of("url", url), "branches", List.of("main"), "subdir", "app",
                    "tagTemplates", List.of("{branch}", "{sha:7}")), basic(user, password));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            JsonNode trigger = Json.MAPPER.readTree(created.body());
            String payload = Json.MAPPER.writeValueAsString(Map.of("ref", "refs/heads/main", "before", "0".repeat(40),
                    "after", sha, "created", false, "deleted", false, "forced", false,
                    "repository", Map.of("full_name", "dev/app", "clone_url", url, "default_branch", "main"),
                    "pusher", Map.of("name", "dev"), "head_commit", Map.of("id", sha, "message", "second")));
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(trigger.get("secret").asString().getBytes(StandardCharsets.UTF_8),
                    "HmacSHA256"));
            String signature = "sha256=" + java.util.HexFormat.of().formatHex(
                    mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
            HttpResponse<String> delivered = HTTP.send(HttpRequest.newBuilder(
                            a.resolve("/api/v1/builds/triggers/" + trigger.get("id").asLong() + "/webhook/github"))
                    .header("Content-Type", "application/json").header("X-GitHub-Event", "push")
                    .header("X-GitHub-Delivery", UUID.randomUUID().toString()).header("X-Hub-Signature-256", signature)
                    .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(delivered.statusCode()).as(delivered.body()).isEqualTo(202);
            long id = Json.MAPPER.readTree(delivered.body()).get("build").asLong();
            JsonNode done = awaitStatus(b, id, s -> s.get("status").asString().matches("succeeded|failed|cancelled"),
                    Duration.ofMinutes(3));
            assertThat(done.get("status").asString()).as(log(a, id)).isEqualTo("succeeded");
            Processes.Result inspect = Processes.check("skopeo", "inspect", "--tls-verify=false",
                    "--creds", user + ":" + password, "docker://" + hostA + "/" + user + "/hooked:" + sha.substring(0, 7));
            JsonNode image = Json.MAPPER.readTree(inspect.stdout());
            assertThat(image.get("Digest").asString()).isEqualTo(done.get("digest").asString());
            assertThat(image.get("Labels").get("org.opencontainers.image.revision").asString()).isEqualTo(sha);
        } finally {
            daemon.destroy();
        }
    }

    private static void buildFromGit(String url) throws Exception {
        HttpResponse<String> submitted = api(b, "POST", "/api/v1/builds", Map.of("tags", List.of(user + "/from-git:1"),
                "git", Map.of("url", url, "ref", "main", "subdir", "app")), basic(user, password));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        long id = Json.MAPPER.readTree(submitted.body()).get("id").asLong();
        JsonNode done = awaitStatus(a, id, s -> s.get("status").asString().matches("succeeded|failed|cancelled"),
                Duration.ofMinutes(3));
        assertThat(done.get("status").asString()).as(log(b, id)).isEqualTo("succeeded");
        Processes.Result inspect = Processes.check("skopeo", "inspect", "--tls-verify=false",
                "--creds", user + ":" + password, "docker://" + hostA + "/" + user + "/from-git:1");
        assertThat(Json.MAPPER.readTree(inspect.stdout()).get("Digest").asString()).isEqualTo(done.get("digest").asString());
        assertThat(log(b, id)).contains("COPY message /message");
    }

    @Test
    @Order(4)
    void buildIntoARepositoryWithoutWriteAccessIsRefused() throws Exception {
        String outsider = "outsider";
        String outsiderPassword = "pw-" + UUID.randomUUID();
        api(a, "POST", "/api/v1/users", Map.of("username", outsider, "password", outsiderPassword),
                basic("admin", ADMIN_PASSWORD));
        Path context = Files.createDirectories(WORK.resolve("refused-context"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + base + ":amd64\n");
        Processes.Result result = cli(List.of("--registry-user", outsider, "--registry-password", outsiderPassword),
                "build", "--remote", a.toString(), "-t", user + "/app:stolen", context.toString());
        assertThat(result.succeeded()).isFalse();
        assertThat(result.stderr()).contains("write access");
        assertThat(api(a, "GET", "/v2/" + user + "/app/manifests/stolen", null, basic(user, password)).statusCode())
                .isEqualTo(404);
    }

    @Test
    @Order(5)
    void cancelKillsTheRunningStepWithinSeconds() throws Exception {
        // a sleep no other process here runs, so that pgrep finds this step's process only
        String sleep = "sleep " + (3000 + ThreadLocalRandom.current().nextInt(6000));
        long id = submitContext("FROM " + base + ":amd64\nRUN echo started && " + sleep + "\n", user + "/cancelled:1");
        awaitStatus(a, id, s -> s.get("status").asString().equals("running") && log(a, id).contains("started"),
                Duration.ofMinutes(2));
        long asked = System.nanoTime();
        api(b, "POST", "/api/v1/builds/" + id + "/cancel", null, basic(user, password));
        JsonNode ended = awaitStatus(a, id, s -> !s.get("status").asString().equals("running"), Duration.ofSeconds(30));
        assertThat(ended.get("status").asString()).isEqualTo("cancelled");
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(15));
        // the sandbox is torn down right after the build ends; on a loaded machine that takes a moment
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Processes.run("pgrep", "-f", sleep).out().isBlank() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(Processes.run("pgrep", "-f", sleep).out()).as("the RUN step's process is gone").isBlank();
    }

    @Test
    @Order(6)
    void ctrlCOnTheRemoteCliCancelsTheBuild() throws Exception {
        interruptRemoteBuild("interrupted", "off");
    }

    @Test
    @Order(7)
    void ctrlCOnARemoteBuildRunByTheBuildDaemonCancelsTheBuild() throws Exception {
        interruptRemoteBuild("interrupted-daemon", "on");
    }

    /** Ctrl-C (SIGINT) on the CLI while the remote build runs; {@code daemon} off runs it in the CLI's own JVM. */
    private static void interruptRemoteBuild(String repository, String daemon) throws Exception {
        Path context = Files.createDirectories(WORK.resolve(repository + "-context"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + base + ":amd64\nRUN echo waiting && sleep 300\n");
        if (daemon.equals("on")) {
            // the first build starts the daemon; the next one is served by it
            Processes.Result first = cli("build", "--remote", a.toString(), "-t", user + "/" + repository + ":warm",
                    WORK.resolve("refused-context").toString());
            assertThat(first.succeeded()).as(first.describe()).isTrue();
            Thread.sleep(3000);
        }
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                BUILD_JAR.toString(), "build", "--remote", a.toString(), "-t", user + "/" + repository + ":1",
                context.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(WORK.resolve(repository + "-cli.log").toFile());
        builder.environment().putAll(cliEnvironment());
        builder.environment().put("STEVEDORE_BUILD_DAEMON", daemon);
        Process cli = builder.start();
        long newest = awaitBuildOf(user + "/" + repository + ":1", Duration.ofSeconds(60));
        awaitStatus(a, newest, s -> s.get("status").asString().equals("running") && log(a, newest).contains("waiting"),
                Duration.ofMinutes(2));
        Processes.check("kill", "-INT", String.valueOf(cli.pid()));
        assertThat(cli.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).as(Files.readString(WORK.resolve(repository + "-cli.log"))).isEqualTo(130);
        assertThat(awaitStatus(a, newest, s -> !s.get("status").asString().equals("running"), Duration.ofSeconds(30))
                .get("status").asString()).isEqualTo("cancelled");
    }

    @Test
    @Order(8)
    void aFailedBuildNamesTheFailingLine() throws Exception {
        long id = submitContext("FROM " + base + ":amd64\nFORM nothing\n", user + "/broken:1");
        JsonNode done = awaitStatus(a, id, s -> s.get("status").asString().matches("succeeded|failed|cancelled"),
                Duration.ofMinutes(1));
        assertThat(done.get("status").asString()).isEqualTo("failed");
        assertThat(done.get("error").asString()).contains("Dockerfile:2").contains("FORM");
        assertThat(log(a, id)).contains("Dockerfile:2");
    }

    @Test
    @Order(9)
    void aBuildWhoseWorkerIsKilledIsFinishedByTheOther() throws Exception {
        long id = submitContext("FROM " + base + ":amd64\nRUN echo begun && sleep 8 && echo slept > /slept\n",
                user + "/survivor:1");
        JsonNode running = awaitStatus(a, id, s -> s.get("status").asString().equals("running")
                && log(a, id).contains("begun"), Duration.ofMinutes(2));
        String victim = running.get("worker").asString();
        Process killed = workers.get(victim);
        assertThat(killed).as("worker %s", victim).isNotNull();
        killed.destroyForcibly(); // SIGKILL: no goodbye, the lease just stops being renewed
        killed.waitFor();
        JsonNode done = awaitStatus(a, id, s -> s.get("status").asString().matches("succeeded|failed|cancelled"),
                Duration.ofMinutes(3));
        assertThat(done.get("status").asString()).as(log(a, id)).isEqualTo("succeeded");
        assertThat(done.get("attempt").asInt()).isEqualTo(2);
        assertThat(done.get("worker").asString()).isNotEqualTo(victim);
        assertThat(log(b, id)).contains("stopped reporting; restarting on worker");
    }

    // --- helpers

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitListening(int port) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("git daemon did not listen on " + port);
    }

    private static void startWorker(String name) throws IOException {
        Path dir = Files.createDirectories(WORK.resolve(name));
        ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-jar", BUILD_JAR.toString(), "worker", "--registry", a.toString(), "--name", name,
                "--work-dir", dir.resolve("work").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("worker.log").toFile());
        builder.environment().put("STEVEDORE_WORKER_TOKEN", WORKER_TOKEN);
        workers.put(name, builder.start());
    }

    /** The id of the newest build tagged {@code repository:tag}, once there is one. */
    private static long awaitBuildOf(String tag, Duration within) throws Exception {
        String repository = tag.substring(0, tag.lastIndexOf(':'));
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode history = Json.MAPPER.readTree(api(a, "GET", "/api/v1/builds?repository=" + repository, null,
                    basic(user, password)).body());
            for (JsonNode build : history) {
                if (build.get("tags").toString().contains("\"" + tag + "\"")) {
                    return build.get("id").asLong();
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no build of " + tag + " within " + within);
    }

    /** The CLI's environment: the docker config with the user's login, its own work dir, a short-lived daemon. */
    private static Map<String, String> cliEnvironment() {
        return Map.of("DOCKER_CONFIG", dockerConfig.toString(), "STEVEDORE_BUILD_DIR", WORK.resolve("cli-work").toString(),
                "STEVEDORE_BUILD_DAEMON_IDLE", "60");
    }

    private static long submitContext(String dockerfile, String tag) throws Exception {
        byte[] tar = dockerfileOnly(dockerfile);
        HttpResponse<String> uploaded = HTTP.send(HttpRequest.newBuilder(a.resolve("/api/v1/builds/contexts"))
                .header("Authorization", basic(user, password)).header("Content-Type", "application/x-tar")
                .POST(HttpRequest.BodyPublishers.ofByteArray(tar)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        String context = Json.MAPPER.readTree(uploaded.body()).get("context").asString();
        HttpResponse<String> submitted = api(a, "POST", "/api/v1/builds", Map.of("tags", List.of(tag), "context", context),
                basic(user, password));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        return Json.MAPPER.readTree(submitted.body()).get("id").asLong();
    }

    private static JsonNode awaitStatus(URI replica, long id, Predicate<JsonNode> condition, Duration within)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode status = null;
        while (System.nanoTime() < deadline) {
            status = Json.MAPPER.readTree(api(replica, "GET", "/api/v1/builds/" + id, null, basic(user, password)).body());
            if (condition.test(status)) {
                return status;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("build " + id + " did not get there within " + within + ": " + status + "\n" + log(a, id));
    }

    private static String log(URI replica, long id) {
        try {
            return api(replica, "GET", "/api/v1/builds/" + id + "/logs", null, basic(user, password)).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Processes.Result cli(String... args) {
        return cli(List.of(), args);
    }

    /** The build CLI with the docker config holding {@value #user}'s credentials; {@code credentials} override them. */
    private static Processes.Result cli(List<String> credentials, String... args) {
        List<String> command = new ArrayList<>(List.of("env"));
        cliEnvironment().forEach((name, value) -> command.add(name + "=" + value));
        command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", BUILD_JAR.toString()));
        command.add(args[0]);
        command.addAll(credentials);
        command.addAll(List.of(args).subList(1, args.length));
        return Processes.execute(null, Duration.ofMinutes(5), command);
    }

    private static void git(Path repo, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", repo.toString(), "-c", "user.name=test",
                "-c", "user.email=test@example.com"));
        command.addAll(List.of(args));
        Processes.check(command.toArray(String[]::new));
    }

    private static HttpResponse<String> api(URI replica, String method, String path, Object body, String authorization)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(replica.resolve(path)).header("Authorization", authorization)
                .timeout(Duration.ofSeconds(60));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String name, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((name + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    /** A context of one Dockerfile, as a tar. */
    static byte[] dockerfileOnly(String dockerfile) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar =
                     new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes)) {
            byte[] content = dockerfile.getBytes(StandardCharsets.UTF_8);
            org.apache.commons.compress.archivers.tar.TarArchiveEntry entry =
                    new org.apache.commons.compress.archivers.tar.TarArchiveEntry("Dockerfile");
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }
}
