package io.stevedore.builder.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.stevedore.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** `build --remote` against an in-process peer playing the registry's user API. */
class RemoteBuildCommandTest {
    @TempDir
    Path temp;
    Path context;
    HttpServer server;
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    final AtomicReference<byte[]> uploaded = new AtomicReference<>();
    final AtomicReference<JsonNode> submitted = new AtomicReference<>();
    volatile String endStatus = "{\"status\":\"succeeded\",\"digest\":\"sha256:" + "d".repeat(64) + "\"}";
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws IOException {
        context = Files.createDirectories(temp.resolve("ctx"));
        Files.writeString(context.resolve("Dockerfile"), "FROM scratch\n");
        Files.writeString(temp.resolve("npmrc"), "//registry/:_authToken=abc");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/builds", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            requests.add(exchange.getRequestMethod() + " " + path + " " + exchange.getRequestHeaders().getFirst("Authorization")
                    + " " + exchange.getRequestHeaders().getFirst("Last-Event-ID"));
            byte[] body = exchange.getRequestBody().readAllBytes();
            switch (path) {
                case "/api/v1/builds/contexts" -> {
                    uploaded.set(body);
                    send(exchange, 201, "{\"context\":\"sha256:" + "c".repeat(64) + "\",\"size\":" + body.length + "}");
                }
                case "/api/v1/builds" -> {
                    submitted.set(Json.MAPPER.readTree(body));
                    send(exchange, 202, "{\"id\":17,\"status\":\"queued\"}");
                }
                case "/api/v1/builds/17/logs" -> {
                    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                    send(exchange, 200, "id: 1\nevent: log\ndata: #1 [1/1] FROM scratch\n\n"
                            + "id: 2\nevent: log\ndata: #1 DONE 0.0s\n\nevent: end\ndata: " + endStatus + "\n\n");
                }
                default -> send(exchange, 404, "{\"code\":\"NOT_FOUND\",\"message\":\"no such build\"}");
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private int run(String... args) {
        return new RemoteBuildCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("HOME", temp.toString(), "NPM_TOKEN", "t0k"), temp)
                .run(args);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void uploadsSubmitsFollowsAndPrintsTheDigest() throws Exception {
        int status = run("--remote", url(), "-t", "alice/app:1", "-t", "127.0.0.1:" + server.getAddress().getPort() + "/alice/app:latest",
                "--build-arg", "V=1", "--target", "release", "--platform", "linux/amd64,linux/arm64", "--no-cache",
                "--label", "a=b", "--secret", "id=npmrc,src=npmrc", "--secret", "id=token,env=NPM_TOKEN",
                "--registry-user", "alice", "--registry-password", "pw", "ctx");

        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("sha256:" + "d".repeat(64) + "\n");
        assertThat(err.toString()).contains("#1 [1/1] FROM scratch\n#1 DONE 0.0s\n");
        JsonNode build = submitted.get();
        assertThat(build.path("tags").toString()).isEqualTo("[\"alice/app:1\",\"alice/app:latest\"]");
        assertThat(build.path("context").asString()).isEqualTo("sha256:" + "c".repeat(64));
        assertThat(build.path("dockerfile").asString()).isEqualTo("Dockerfile");
        assertThat(build.path("buildArgs").path("V").asString()).isEqualTo("1");
        assertThat(build.path("target").asString()).isEqualTo("release");
        assertThat(build.path("platforms").toString()).isEqualTo("[\"linux/amd64\",\"linux/arm64\"]");
        assertThat(build.path("noCache").asBoolean()).isTrue();
        assertThat(build.path("labels").path("a").asString()).isEqualTo("b");
        assertThat(new String(Base64.getDecoder().decode(build.path("secrets").path("npmrc").asString())))
                .isEqualTo("//registry/:_authToken=abc");
        assertThat(new String(Base64.getDecoder().decode(build.path("secrets").path("token").asString()))).isEqualTo("t0k");
        String basic = "Basic " + Base64.getEncoder().encodeToString("alice:pw".getBytes());
        assertThat(requests).allMatch(request -> request.contains(basic));
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                new GZIPInputStream(new java.io.ByteArrayInputStream(uploaded.get())))) {
            assertThat(tar.getNextEntry().getName()).isEqualTo("Dockerfile");
        }
    }

    @Test
    void aFailedBuildPrintsItsErrorAndExitsOne() {
        endStatus = "{\"status\":\"failed\",\"error\":\"process \\\"/bin/sh -c make\\\" did not complete successfully: exit code: 2\"}";
        assertThat(run("--remote", url(), "-t", "app:1", "ctx")).isEqualTo(1);
        assertThat(err.toString()).endsWith("error: process \"/bin/sh -c make\" did not complete successfully: exit code: 2\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aCancelledBuildExits130() {
        endStatus = "{\"status\":\"cancelled\"}";
        assertThat(run("--remote", url(), "-t", "app:1", "ctx")).isEqualTo(130);
    }

    @Test
    void secretsAreNeverSentOverPlainHttpToAnotherMachine() {
        // 192.0.2.0/24 is TEST-NET-1: nothing may be contacted, the refusal comes first
        int status = run("--remote", "http://192.0.2.1:5000", "-t", "app:1", "--secret", "id=npmrc,src=npmrc", "ctx");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("--secret needs an https:// registry").contains("clear text");
        assertThat(requests).isEmpty();
    }

    @Test
    void anIdentityTokenLoginIsRefusedWithAHint() throws IOException {
        Files.createDirectories(temp.resolve(".docker"));
        Files.writeString(temp.resolve(".docker/config.json"), "{\"auths\":{\"127.0.0.1:" + server.getAddress().getPort()
                + "\":{\"auth\":\"" + Base64.getEncoder().encodeToString("<token>:".getBytes()) + "\",\"identitytoken\":\"xyz\"}}}");

        assertThat(run("--remote", url(), "-t", "app:1", "ctx")).isEqualTo(1);
        assertThat(err.toString()).contains("identity token").contains("--registry-user");
        assertThat(requests).isEmpty();
    }

    @Test
    void localOnlyOptionsAreRefused() {
        assertThat(run("--remote", url(), "-t", "app:1", "--network", "none", "ctx")).isEqualTo(2);
        assertThat(err.toString()).contains("--network applies to local builds only");
    }
}
