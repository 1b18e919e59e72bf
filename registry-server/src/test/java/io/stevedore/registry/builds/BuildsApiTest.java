package io.stevedore.registry.builds;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The build queue through its HTTP API, with this test playing the worker's side of the protocol
 * (docs/remote-builds.md) against the real server and PostgreSQL: submission and its checks,
 * leases, log lines and their event stream, cancel, a lost worker's lease going to another, and
 * the push credential a lease carries.
 */
class BuildsApiTest extends AuthRegistryTestSupport {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void submittedBuildIsLeasedLoggedAndFinished() throws Exception {
        TestUser alice = newUser("alice");
        byte[] context = tar(Map.of("Dockerfile", "FROM busybox\nRUN echo hi\n", "app.txt", "x"));
        String digest = uploadContext(alice, context);
        Response submitted = api(202, "POST", "/api/v1/builds", Map.of(
                "tags", List.of(alice.name() + "/app:1", alice.name() + "/app"),
                "context", digest, "buildArgs", Map.of("V", "1"), "platforms", List.of("linux/amd64"),
                "secrets", Map.of("token", b64("s3cret"))), alice.basic());
        long id = submitted.json().get("id").asLong();
        assertThat(submitted.json().get("logs").asString()).isEqualTo("/api/v1/builds/" + id + "/logs");

        JsonNode queued = api(200, "GET", "/api/v1/builds/" + id, null, alice.basic()).json();
        assertThat(queued.get("status").asString()).isEqualTo("queued");
        assertThat(queued.get("tags").toString()).contains(alice.name() + "/app:latest");

        JsonNode job = lease("w1", id);
        assertThat(job.get("attempt").asInt()).isEqualTo(1);
        assertThat(job.get("cacheRepository").asString()).isEqualTo(alice.name() + "/app/buildcache");
        assertThat(job.get("buildArgs").get("V").asString()).isEqualTo("1");
        assertThat(new String(java.util.Base64.getDecoder().decode(job.get("secrets").get("token").asString())))
                .isEqualTo("s3cret");
        assertThat(job.get("credentials").get("username").asString()).isEqualTo("build@" + id);
        assertThat(workerGet(job.get("context").asString()).body()).isEqualTo(context);

        assertThat(workerPost(id, 1, "log", "#1 [1/2] FROM busybox\n#1 DONE 0.1s\n").statusCode()).isEqualTo(204);
        assertThat(workerPost(id, 1, "heartbeat", "{\"step\":\"#2 [2/2] RUN echo hi\"}").body()).contains("\"cancel\":false");
        JsonNode running = api(200, "GET", "/api/v1/builds/" + id, null, alice.basic()).json();
        assertThat(running.get("status").asString()).isEqualTo("running");
        assertThat(running.get("step").asString()).isEqualTo("#2 [2/2] RUN echo hi");
        String built = "sha256:" + "ab".repeat(32);
        assertThat(workerPost(id, 1, "finish", "{\"status\":\"succeeded\",\"digest\":\"" + built + "\"}").statusCode())
                .isEqualTo(204);

        JsonNode done = api(200, "GET", "/api/v1/builds/" + id, null, alice.basic()).json();
        assertThat(done.get("status").asString()).isEqualTo("succeeded");
        assertThat(done.get("digest").asString()).isEqualTo(built);
        assertThat(done.get("finishedAt").isNull()).isFalse();
        assertThat(api(200, "GET", "/api/v1/builds/" + id + "/logs", null, alice.basic()).body())
                .isEqualTo("#1 [1/2] FROM busybox\n#1 DONE 0.1s\n");
        JsonNode history = api(200, "GET", "/api/v1/builds?repository=" + alice.name() + "/app", null, alice.basic()).json();
        assertThat(history.get(0).get("id").asLong()).isEqualTo(id);
        assertThat(auditEntries("action=build.submitted&repository=" + alice.name() + "/app")).isNotEmpty();
        assertThat(workerPost(id, 1, "log", "late\n").statusCode()).as("an ended build takes no more lines")
                .isEqualTo(409);
    }

    @Test
    void eventStreamResumesFromLastEventIdWithoutLossOrDuplicates() throws Exception {
        TestUser bob = newUser("bob");
        long id = submit(bob, "stream");
        lease("w1", id);
        for (int i = 1; i <= 3; i++) {
            workerPost(id, 1, "log", "line " + i + "\n");
        }
        List<String[]> first = events(bob, id, null, 2);
        assertThat(first).extracting(e -> e[0]).containsExactly("1", "2");

        Thread worker = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
                for (int i = 4; i <= 6; i++) {
                    workerPost(id, 1, "log", "line " + i + "\n");
                }
                workerPost(id, 1, "finish", "{\"status\":\"failed\",\"error\":\"RUN exited 1\"}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<String[]> rest = events(bob, id, "2", Integer.MAX_VALUE);
        worker.join();
        List<String> lines = new ArrayList<>();
        first.forEach(e -> lines.add(e[2]));
        rest.stream().filter(e -> e[1].equals("log")).forEach(e -> lines.add(e[2]));
        assertThat(lines).containsExactly("line 1", "line 2", "line 3", "line 4", "line 5", "line 6");
        String[] end = rest.getLast();
        assertThat(end[1]).isEqualTo("end");
        JsonNode status = Json.MAPPER.readTree(end[2]);
        assertThat(status.get("status").asString()).isEqualTo("failed");
        assertThat(status.get("error").asString()).isEqualTo("RUN exited 1");
    }

    @Test
    void cancelEndsAQueuedBuildAtOnceAndTellsTheWorkerOfARunningOne() throws Exception {
        TestUser carol = newUser("carol");
        long queued = submit(carol, "cancel");
        JsonNode cancelled = api(200, "POST", "/api/v1/builds/" + queued + "/cancel", null, carol.basic()).json();
        assertThat(cancelled.get("status").asString()).isEqualTo("cancelled");

        long running = submit(carol, "cancel");
        lease("w1", running);
        api(200, "POST", "/api/v1/builds/" + running + "/cancel", null, carol.basic());
        assertThat(workerPost(running, 1, "heartbeat", "{}").body()).contains("\"cancel\":true");
        workerPost(running, 1, "finish", "{\"status\":\"cancelled\"}");
        assertThat(api(200, "GET", "/api/v1/builds/" + running, null, carol.basic()).json().get("status").asString())
                .isEqualTo("cancelled");
    }

    @Test
    void aWorkerThatStopsReportingLosesTheBuildToAnother() throws Exception {
        TestUser dave = newUser("dave");
        long id = submit(dave, "lost");
        lease("w1", id);
        workerPost(id, 1, "log", "from w1\n");
        Thread.sleep(3500); // the lease timeout of the test server is 3 s
        JsonNode again = lease("w2", id);
        assertThat(again.get("attempt").asInt()).isEqualTo(2);
        assertThat(workerPost(id, 1, "heartbeat", "{}").statusCode()).isEqualTo(409);
        assertThat(workerGet("/api/v1/worker/jobs/" + id + "/context?attempt=1").statusCode()).isEqualTo(409);
        assertThat(workerGet(again.get("context").asString()).statusCode()).isEqualTo(200);
        assertThat(workerPost(id, 1, "log", "zombie\n").statusCode()).isEqualTo(409);
        assertThat(workerPost(id, 1, "finish", "{\"status\":\"succeeded\",\"digest\":\"sha256:" + "cd".repeat(32) + "\"}")
                .statusCode()).isEqualTo(409);
        workerPost(id, 2, "log", "from w2\n");
        workerPost(id, 2, "finish", "{\"status\":\"failed\",\"error\":\"x\"}");
        String log = api(200, "GET", "/api/v1/builds/" + id + "/logs", null, dave.basic()).body();
        assertThat(log).contains("from w1").contains("restarting on worker w2 (attempt 2)").contains("from w2")
                .doesNotContain("zombie");
        JsonNode status = api(200, "GET", "/api/v1/builds/" + id, null, dave.basic()).json();
        assertThat(status.get("worker").asString()).isEqualTo("w2");
    }

    @Test
    void theLeaseCredentialPushesOnlyIntoTheBuildsRepositoriesAndDiesWithTheBuild() throws Exception {
        TestUser erin = newUser("erin");
        long id = submit(erin, "target");
        JsonNode credentials = lease("w1", id).get("credentials");
        String build = basic(credentials.get("username").asString(), credentials.get("password").asString());
        pushImage(build, erin.name() + "/target", "1");
        pushImage(build, erin.name() + "/target/buildcache", "cache");
        pushImage(erin.basic(), erin.name() + "/base", "1");
        assertThat(send("GET", "/v2/" + erin.name() + "/base/manifests/1", null, "Authorization", build,
                "Accept", "application/vnd.oci.image.manifest.v1+json").status()).as("reads what the submitter reads")
                .isEqualTo(200);
        Response elsewhere = send("POST", "/v2/" + erin.name() + "/other/blobs/uploads/", new byte[0],
                "Authorization", build);
        assertThat(elsewhere.status()).as("pushes nowhere else: %s", elsewhere.body()).isEqualTo(403);

        workerPost(id, 1, "finish", "{\"status\":\"failed\",\"error\":\"x\"}");
        Response after = send("GET", "/v2/" + erin.name() + "/target/tags/list", null, "Authorization", build);
        assertThat(after.status()).isEqualTo(401);
    }

    @Test
    void buildingIntoARepositoryWithoutWriteAccessIsRefusedAndQueuesNothing() {
        TestUser owner = newUser("owner");
        TestUser other = newUser("other");
        String digest = uploadContext(other, tar(Map.of("Dockerfile", "FROM busybox\n")));
        Response refused = api("POST", "/api/v1/builds", Map.of("tags", List.of(owner.name() + "/app:1"),
                "context", digest), other.basic());
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("code").asString()).isEqualTo("FORBIDDEN");
        assertThat(refused.json().get("message").asString()).contains(owner.name() + "/app");
        assertThat(send("POST", "/api/v1/builds", Json.MAPPER.writeValueAsBytes(Map.of("tags",
                List.of(owner.name() + "/app:1"), "context", digest)), "Content-Type", "application/json").status())
                .isEqualTo(401);
        assertThat(api(200, "GET", "/api/v1/builds?repository=" + owner.name() + "/app", null, owner.basic()).json())
                .isEmpty();
    }

    @Test
    void aRobotWithWriteOnTheRepositoryBuildsIntoItAndPushesAsItself() throws Exception {
        TestUser owner = newUser("robots");
        String robot = owner.name() + "+ci";
        String token = newRobot(robot, owner.basic());
        api(200, "PUT", "/api/v1/robots/" + robot + "/permissions",
                Map.of("repository", owner.name() + "/app", "role", "write"), owner.basic());
        String digest = uploadContext(new TestUser(robot, token), tar(Map.of("Dockerfile", "FROM busybox\n")));
        assertThat(api("POST", "/api/v1/builds", Map.of("tags", List.of(owner.name() + "/other:1"), "context", digest),
                basic(robot, token)).status()).isEqualTo(403);
        long id = api(202, "POST", "/api/v1/builds", Map.of("tags", List.of(owner.name() + "/app:1"), "context", digest),
                basic(robot, token)).json().get("id").asLong();
        JsonNode credentials = lease("w1", id).get("credentials");
        pushImage(basic(credentials.get("username").asString(), credentials.get("password").asString()),
                owner.name() + "/app", "1");
        workerPost(id, 1, "finish", "{\"status\":\"succeeded\",\"digest\":\"sha256:" + "ef".repeat(32) + "\"}");
        assertThat(api(200, "GET", "/api/v1/builds/" + id, null, owner.basic()).json().get("submittedBy").asString())
                .isEqualTo(robot);
    }

    @Test
    void historyPagesNewestFirstAndMetricsCountTheQueue() throws Exception {
        TestUser grace = newUser("grace");
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(submit(grace, "paged"));
        }
        assertThat(get("/actuator/prometheus").body()).contains("stevedore_builds_queued", "stevedore_builds_workers");
        for (long id : ids) {
            api(200, "POST", "/api/v1/builds/" + id + "/cancel", null, grace.basic());
        }
        Response first = api(200, "GET", "/api/v1/builds?repository=" + grace.name() + "/paged&n=2", null, grace.basic());
        assertThat(first.json()).extracting(b -> b.get("id").asLong()).containsExactly(ids.get(2), ids.get(1));
        String next = first.header("Link");
        assertThat(next).contains("last=" + ids.get(1)).endsWith("rel=\"next\"");
        Response second = api(200, "GET", next.substring(1, next.indexOf('>')), null, grace.basic());
        assertThat(second.json()).extracting(b -> b.get("id").asLong()).containsExactly(ids.get(0));
        assertThat(second.header("Link")).isNull();
        assertThat(api(200, "GET", "/api/v1/builds/" + ids.get(0) + "/logs", null, grace.basic()).body())
                .contains("cancelled before it started");
    }

    @Test
    void badSubmissionsGetAClearBadRequest() {
        TestUser frank = newUser("frank");
        String ok = uploadContext(frank, tar(Map.of("Dockerfile", "FROM busybox AS base\nFROM base AS release\n")));
        String tags = frank.name() + "/app:1";
        assertBadRequest(frank, Map.of("tags", List.of(tags)), "exactly one source");
        assertBadRequest(frank, Map.of("tags", List.of(), "context", ok), "tags");
        assertBadRequest(frank, Map.of("tags", List.of("Not/Valid:1"), "context", ok), "Not/Valid");
        assertBadRequest(frank, Map.of("tags", List.of(tags), "context", ok, "dockerfile", "../Dockerfile"),
                "must not leave the context");
        assertBadRequest(frank, Map.of("tags", List.of(tags), "context", ok, "dockerfile", "build/Dockerfile"),
                "no Dockerfile at build/Dockerfile");
        assertBadRequest(frank, Map.of("tags", List.of(tags), "context", ok, "target", "tests"),
                "target stage \"tests\" is not in Dockerfile (its stages: base, release)");
        assertBadRequest(frank, Map.of("tags", List.of(tags), "context", ok, "platforms", List.of("linux")),
                "bad platform");
        assertBadRequest(frank, Map.of("tags", List.of(tags), "context", "sha256:" + "0".repeat(64)),
                "no uploaded context");
        assertBadRequest(frank, Map.of("tags", List.of(tags), "git", Map.of("url", "--upload-pack=x")), "git.url");
        assertBadRequest(frank, Map.of("tags", List.of(tags), "git", Map.of("url", "https://h/r.git", "ref", "-x")),
                "git.ref");
        String hostile = uploadContext(frank, tar(Map.of("Dockerfile", "FROM busybox\n", "../escape", "x")));
        assertBadRequest(frank, Map.of("tags", List.of(tags), "context", hostile), "hostile entry ../escape");
        String link = uploadContext(frank, tarWithSymlink("sub/link", "../../etc/passwd"));
        assertBadRequest(frank, Map.of("tags", List.of(tags), "context", link), "leaves the context");
        String notTar = uploadContext(frank, "this is not a tar archive at all".repeat(40).getBytes());
        assertBadRequest(frank, Map.of("tags", List.of(tags), "context", notTar), "");

        byte[] big = new byte[5 * 1024 * 1024];
        new Random(1).nextBytes(big);
        Response tooBig = send("POST", "/api/v1/builds/contexts", big, "Authorization", frank.basic(),
                "Content-Type", "application/x-tar");
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.json().get("message").asString()).contains("larger than");
    }

    @Test
    void workerRoutesWantTheWorkerToken() {
        Response refused = send("POST", "/api/v1/worker/jobs", "{\"worker\":\"w\"}".getBytes(),
                "Content-Type", "application/json", "Authorization", "Bearer wrong");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().get("code").asString()).isEqualTo("UNAUTHORIZED");
    }

    // --- the worker's side of the protocol, and helpers

    private static void assertBadRequest(TestUser user, Map<String, Object> body, String message) {
        Response response = api("POST", "/api/v1/builds", body, user.basic());
        assertThat(response.status()).as("%s: %s", body, response.body()).isEqualTo(400);
        assertThat(response.json().get("code").asString()).isEqualTo("BAD_REQUEST");
        assertThat(response.json().get("message").asString()).contains(message);
    }

    private static long submit(TestUser user, String repository) {
        String digest = uploadContext(user, tar(Map.of("Dockerfile", "FROM busybox\n")));
        return api(202, "POST", "/api/v1/builds", Map.of("tags", List.of(user.name() + "/" + repository + ":1"),
                "context", digest), user.basic()).json().get("id").asLong();
    }

    private static String uploadContext(TestUser user, byte[] tar) {
        Response uploaded = send("POST", "/api/v1/builds/contexts", tar, "Authorization", user.basic(),
                "Content-Type", "application/x-tar");
        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(201);
        return uploaded.json().get("context").asString();
    }

    /** Leases as {@code worker}, expecting build {@code id} (every test ends the builds it leases). */
    private static JsonNode lease(String worker, long id) throws Exception {
        HttpResponse<String> response = workerSend("POST", "/api/v1/worker/jobs",
                "{\"worker\":\"" + worker + "\",\"waitSeconds\":5}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode job = Json.MAPPER.readTree(response.body());
        assertThat(job.get("build").asLong()).isEqualTo(id);
        return job;
    }

    private static HttpResponse<String> workerPost(long id, int attempt, String call, String body) throws Exception {
        return workerSend("POST", "/api/v1/worker/jobs/" + id + "/" + call + "?attempt=" + attempt, body);
    }

    private static HttpResponse<String> workerSend(String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(authRegistryUrl() + path))
                .header("Authorization", "Bearer " + workerToken())
                .header("Content-Type", path.endsWith("log") || path.contains("/log?") ? "text/plain; charset=utf-8"
                        : "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> workerGet(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(authRegistryUrl() + path))
                .header("Authorization", "Bearer " + workerToken()).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String workerToken() throws IOException {
        return Files.readString(authDataDir().resolve("builds/worker-token")).strip();
    }

    /** Reads events {id, event, data} until {@code max} log events or the end event. */
    private static List<String[]> events(TestUser user, long id, String lastEventId, int max) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(authRegistryUrl() + "/api/v1/builds/" + id + "/logs"))
                .header("Authorization", user.basic()).header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(30));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String[]> events = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String eventId = null;
            String event = null;
            StringBuilder data = null;
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new String[] {eventId, event, data.toString()});
                        if (event.equals("end") || events.stream().filter(e -> e[1].equals("log")).count() >= max) {
                            return events;
                        }
                    }
                    event = null;
                    data = null;
                } else if (line.startsWith("id: ")) {
                    eventId = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                }
            }
        }
        return events;
    }

    private static String b64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] tar(Map<String, String> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            for (Map.Entry<String, String> file : new LinkedHashMap<>(files).entrySet()) {
                byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey(), true);
                entry.setSize(content.length);
                entry.setMode(0644);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] tarWithSymlink(String name, String target) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            byte[] dockerfile = "FROM busybox\n".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry("Dockerfile", true);
            entry.setSize(dockerfile.length);
            tar.putArchiveEntry(entry);
            tar.write(dockerfile);
            tar.closeArchiveEntry();
            TarArchiveEntry link = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
            link.setLinkName(target);
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
