package io.stevedore.registry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.json.Json;
import io.stevedore.registry.TestStorage;
import io.stevedore.registry.deploy.ComposeFile;
import io.stevedore.registry.postgres.EmbeddedPostgres;
import io.stevedore.registry.scaleout.ReplicaProcesses;
import io.stevedore.storage.s3.S3ProxyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * docker-compose.yml's topology started from the packaged jars: two registry processes with the
 * environment of its {@code registry} service and one worker with its {@code worker} service's
 * command and environment, interpolated from .env.example (secrets made random). Only the hosts
 * are rewritten: {@code postgres} to an embedded PostgreSQL, {@code minio} to S3Proxy (a real S3
 * API), {@code lb} to the first replica; the {@code registry-keys} volume becomes one directory
 * both replicas' {@code auth/} point at. Runs in the s3 execution (the file's storage is S3).
 */
class ComposeTopologyIT {
    private static final Path REGISTRY_JAR = Path.of("target", "registry-server.jar").toAbsolutePath();
    private static final Path BUILD_JAR = Path.of("..", "build-service", "target", "build-service.jar")
            .toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target", "compose-topology-it").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static EmbeddedPostgres postgres;
    private static S3ProxyServer s3;
    private static ReplicaProcesses replicas;
    private static Process worker;
    private static URI a;
    private static URI b;
    private static String admin;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestStorage.s3(), "docker-compose.yml stores blobs in S3: runs in the s3-storage execution");
        assumeTrue(Files.isRegularFile(BUILD_JAR), BUILD_JAR + " is not built (mvn package); skipping");
        SandboxLeftovers.clean(WORK);
        Map<String, String> dotEnv = new LinkedHashMap<>(ComposeFile.dotEnv(ComposeFile.ROOT.resolve(".env.example")));
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        dotEnv.replaceAll((name, value) -> value.startsWith("change-me") ? "it-" + UUID.randomUUID() : value);
        dotEnv.put("BUILD_SECRET_KEY", Base64.getEncoder().encodeToString(key));
        ComposeFile compose = ComposeFile.load(dotEnv);
        admin = dotEnv.get("ADMIN_PASSWORD");

        postgres = new EmbeddedPostgres(WORK.resolve("database"), 0, "nobody");
        EmbeddedPostgres.Endpoint db = postgres.start();
        s3 = S3ProxyServer.start();
        Map<String, String> environment = new LinkedHashMap<>(compose.environment("registry"));
        rewrite(environment, "SPRING_DATASOURCE_URL", "jdbc:postgresql://postgres:5432/stevedore", db.jdbcUrl());
        rewrite(environment, "SPRING_DATASOURCE_USERNAME", "stevedore", db.username());
        rewrite(environment, "SPRING_DATASOURCE_PASSWORD", dotEnv.get("POSTGRES_PASSWORD"), db.password());
        rewrite(environment, "REGISTRY_STORAGE_S3_ENDPOINT", "http://minio:9000", s3.endpoint().toString());
        rewrite(environment, "REGISTRY_STORAGE_S3_BUCKET", dotEnv.get("S3_BUCKET"), s3.createBucket());
        rewrite(environment, "REGISTRY_STORAGE_S3_ACCESS_KEY", dotEnv.get("S3_ACCESS_KEY"), S3ProxyServer.ACCESS_KEY);
        rewrite(environment, "REGISTRY_STORAGE_S3_SECRET_KEY", dotEnv.get("S3_SECRET_KEY"), S3ProxyServer.SECRET_KEY);

        assertThat(compose.service("registry").get("volumes").toString()).contains("registry-keys:/var/lib/stevedore/auth");
        Path keys = Files.createDirectories(WORK.resolve("registry-keys"));
        replicas = new ReplicaProcesses();
        List<URI> urls = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            Path data = Files.createDirectories(WORK.resolve(name).resolve("data"));
            Files.createSymbolicLink(data.resolve("auth"), keys);
            Map<String, String> replica = new LinkedHashMap<>(environment);
            replica.put("REGISTRY_DATA_DIR", data.toString());
            urls.add(replicas.start(REGISTRY_JAR, WORK.resolve(name), List.of(), replica).url());
        }
        a = urls.get(0);
        b = urls.get(1);

        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-jar", BUILD_JAR.toString(), "worker", "--work-dir", WORK.resolve("worker").toString()));
        for (String argument : compose.command("worker")) {
            command.add(argument.equals("http://lb:5000") ? a.toString() : argument);
        }
        assertThat(command).contains(a.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(Files.createDirectories(WORK.resolve("worker")).resolve("worker.log").toFile());
        builder.environment().putAll(compose.environment("worker"));
        worker = builder.start();
    }

    private static void rewrite(Map<String, String> environment, String name, String expected, String value) {
        assertThat(environment).as("docker-compose.yml's registry service").containsEntry(name, expected);
        environment.put(name, value);
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.destroy();
            worker.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
            worker.destroyForcibly();
            SandboxLeftovers.clean(WORK.resolve("worker"));
        }
        if (replicas != null) {
            replicas.close();
        }
        if (postgres != null) {
            postgres.stop();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void aTokenFromOneReplicaIsAcceptedByTheOtherThroughTheSharedKeyVolume() throws Exception {
        HttpResponse<String> token = send(a, "GET", "/auth/token?service=stevedore&scope=repository:admin/shared:pull,push",
                null, basic());
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        String bearer = "Bearer " + Json.MAPPER.readTree(token.body()).get("token").asString();
        HttpResponse<String> upload = send(b, "POST", "/v2/admin/shared/blobs/uploads/", null, bearer);
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(202);
        try (var files = Files.list(WORK.resolve("registry-keys"))) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly("token-signing-key.pem");
        }
    }

    @Test
    void imagePushedThroughOneReplicaIsPulledThroughTheOtherAndBuiltByTheWorker() throws Exception {
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"),
                "the build worker mounts overlays and starts runc containers: needs root; skipping");
        Processes.assumeInstalled("runc", "runc");
        Processes.assumeInstalled("skopeo", "skopeo");
        String hostA = a.getHost() + ":" + a.getPort();
        String base = BuildBaseImages.push(hostA, "admin/base", "admin:" + admin, WORK, false);
        HttpResponse<String> pulled = send(b, "GET", "/v2/admin/base/manifests/amd64", null, basic(),
                "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(pulled.statusCode()).as(pulled.body()).isEqualTo(200);

        byte[] context = RemoteBuildsIT.dockerfileOnly("FROM " + base + ":amd64\nRUN echo composed > /composed\n");
        HttpResponse<String> uploaded = HTTP.send(HttpRequest.newBuilder(b.resolve("/api/v1/builds/contexts"))
                .header("Authorization", basic()).header("Content-Type", "application/x-tar")
                .POST(HttpRequest.BodyPublishers.ofByteArray(context)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        String body = Json.MAPPER.writeValueAsString(Map.of("tags", List.of("admin/composed:1"),
                "context", Json.MAPPER.readTree(uploaded.body()).get("context").asString()));
        HttpResponse<String> submitted = send(b, "POST", "/api/v1/builds", body, basic(),
                "Content-Type", "application/json");
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        long id = Json.MAPPER.readTree(submitted.body()).get("id").asLong();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        JsonNode status = null;
        while (System.nanoTime() < deadline) {
            status = Json.MAPPER.readTree(send(b, "GET", "/api/v1/builds/" + id, null, basic()).body());
            if (status.get("status").asString().matches("succeeded|failed|cancelled")) {
                break;
            }
            Thread.sleep(250);
        }
        assertThat(status.get("status").asString()).as(send(a, "GET", "/api/v1/builds/" + id + "/logs", null, basic())
                .body()).isEqualTo("succeeded");
        HttpResponse<String> built = send(b, "GET", "/v2/admin/composed/manifests/1", null, basic(),
                "Accept", "application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json");
        assertThat(built.statusCode()).isEqualTo(200);
        assertThat(built.headers().firstValue("Docker-Content-Digest")).hasValue(status.get("digest").asString());
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString(("admin:" + admin).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> send(URI base, String method, String path, String body, String authorization,
                                             String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", authorization)
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
