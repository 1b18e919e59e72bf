package io.stevedore.builder.worker;

import io.stevedore.json.Json;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The worker API of docs/remote-builds.md over java.net.http: lease, context, heartbeat, log,
 * finish. Every call carries the worker token as a bearer token; a 409 on a job's calls is a
 * {@link LeaseLostException}, any other unexpected status an {@link IOException} the caller may retry.
 */
final class WorkerApi {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final URI registry;
    private final String token;
    private final HttpClient http;

    WorkerApi(URI registry, String token, HttpClient http) {
        this.registry = registry;
        this.token = token;
        this.http = http;
    }

    /** Waits up to {@code waitSeconds} for a queued build; empty when none came. */
    Optional<Job> lease(String worker, int waitSeconds) throws IOException, InterruptedException {
        ObjectNode body = Json.MAPPER.createObjectNode().put("worker", worker).put("waitSeconds", waitSeconds);
        HttpResponse<byte[]> response = http.send(json(request("/api/v1/worker/jobs")
                .timeout(CALL_TIMEOUT.plusSeconds(waitSeconds)), body), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 204) {
            return Optional.empty();
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new RefusedException("the registry refused the worker token (HTTP " + response.statusCode()
                    + "); check --token or STEVEDORE_WORKER_TOKEN against registry.builds.worker-token");
        }
        expect(response, 200, "lease a build");
        return Optional.of(Job.fromJson(Json.MAPPER.readTree(response.body())));
    }

    /** The uploaded context archive, streamed; the caller closes it. */
    InputStream context(Job job) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(request(job.context()).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            try (InputStream body = response.body()) {
                String text = new String(body.readNBytes(4096), StandardCharsets.UTF_8);
                if (response.statusCode() == 409) {
                    throw new LeaseLostException(job);
                }
                throw new IOException("fetch the build context: HTTP " + response.statusCode() + " " + text);
            }
        }
        return response.body();
    }

    /** True when the build was cancelled by its submitter. */
    boolean heartbeat(Job job, String step) throws IOException, InterruptedException {
        ObjectNode body = Json.MAPPER.createObjectNode().put("step", step);
        HttpResponse<byte[]> response = send(job, json(request(jobPath(job, "heartbeat")).timeout(CALL_TIMEOUT), body));
        expect(response, 200, "heartbeat");
        return Json.MAPPER.readTree(response.body()).path("cancel").asBoolean(false);
    }

    /** Appends whole lines ({@code \n}-terminated) to the build's log. */
    void log(Job job, String lines) throws IOException, InterruptedException {
        HttpRequest request = request(jobPath(job, "log")).timeout(CALL_TIMEOUT)
                .header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(lines, StandardCharsets.UTF_8)).build();
        expect(send(job, request), 204, "ship log lines");
    }

    void finish(Job job, Outcome outcome) throws IOException, InterruptedException {
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", outcome.status())
                .put("digest", outcome.digest()).put("error", outcome.error());
        expect(send(job, json(request(jobPath(job, "finish")).timeout(CALL_TIMEOUT), body)), 204, "finish");
    }

    private HttpResponse<byte[]> send(Job job, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 409) {
            throw new LeaseLostException(job);
        }
        return response;
    }

    private static String jobPath(Job job, String call) {
        return "/api/v1/worker/jobs/" + job.build() + "/" + call + "?attempt=" + job.attempt();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(registry.resolve(path))
                .header("Authorization", "Bearer " + token)
                .header("User-Agent", "stevedore-build-worker/0.1");
    }

    private static HttpRequest json(HttpRequest.Builder builder, ObjectNode body) {
        return builder.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body))).build();
    }

    private static void expect(HttpResponse<byte[]> response, int status, String what) throws IOException {
        if (response.statusCode() != status) {
            String body = new String(response.body(), 0, Math.min(response.body().length, 4096), StandardCharsets.UTF_8);
            throw new IOException(what + ": HTTP " + response.statusCode() + " " + body.strip());
        }
    }

    /** The registry will not serve this worker at all (a wrong token): retrying cannot help. */
    static final class RefusedException extends RuntimeException {
        RefusedException(String message) {
            super(message);
        }
    }
}
