package io.stevedore.builder.cli;

import io.stevedore.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * The user API of docs/remote-builds.md as the CLI needs it: upload a context, submit, follow the
 * log, cancel. HTTP Basic on every call. A 4xx is a {@link RemoteBuildException} carrying the
 * registry's message; connection failures stay IOExceptions so the log can be followed again.
 */
final class BuildsApi {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final RemoteTarget target;
    private final String authorization;
    private final HttpClient http;

    /** @param username null for no credentials */
    BuildsApi(RemoteTarget target, String username, String password, HttpClient http) {
        this.target = target;
        this.authorization = username == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (username + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.http = http;
    }

    /** Streams the archive into `POST /api/v1/builds/contexts` as it is written; its digest. */
    String uploadContext(ContextArchive archive) throws IOException, InterruptedException {
        StreamingBody body = StreamingBody.start(archive::writeTo);
        HttpRequest request = request("/api/v1/builds/contexts").header("Content-Type", "application/gzip")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            if (body.failure() != null) {
                throw new RemoteBuildException("cannot pack the build context: " + body.failure().getMessage());
            }
            throw e;
        } finally {
            body.close();
        }
        return json(response, 201, "upload the build context").path("context").asString();
    }

    /** `POST /api/v1/builds`; the build's id. */
    long submit(ObjectNode build) throws IOException, InterruptedException {
        HttpRequest request = request("/api/v1/builds").timeout(CALL_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(build))).build();
        return json(http.send(request, HttpResponse.BodyHandlers.ofByteArray()), 202, "submit the build").path("id").asLong();
    }

    void cancel(long id) throws IOException, InterruptedException {
        HttpRequest request = request("/api/v1/builds/" + id + "/cancel").timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        json(http.send(request, HttpResponse.BodyHandlers.ofByteArray()), 200, "cancel the build");
    }

    /** The log as Server-Sent Events, resuming after line {@code lastEventId} (0: from the start). */
    InputStream logs(long id, String lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder builder = request("/api/v1/builds/" + id + "/logs").header("Accept", "text/event-stream").GET();
        if (lastEventId != null) {
            builder.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(16384);
            }
            refuse(response.statusCode(), body, "follow the build log");
        }
        return response.body();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(target.url().resolve(path))
                .header("User-Agent", "stevedore-build/0.1");
        return authorization == null ? builder : builder.header("Authorization", authorization);
    }

    private JsonNode json(HttpResponse<byte[]> response, int expected, String what) throws IOException {
        if (response.statusCode() != expected) {
            refuse(response.statusCode(), response.body(), what);
        }
        return Json.MAPPER.readTree(response.body());
    }

    /** 4xx: the registry's own message, final; 5xx: an IOException, worth another try. */
    private void refuse(int status, byte[] body, String what) throws IOException {
        String message = new String(body, StandardCharsets.UTF_8).strip();
        try {
            JsonNode error = Json.MAPPER.readTree(body);
            if (error != null && error.path("message").isString()) {
                message = error.path("message").asString();
            }
        } catch (RuntimeException notJson) {
            // keep the text
        }
        String text = "cannot " + what + " at " + target.host() + ": HTTP " + status + (message.isEmpty() ? "" : " " + message);
        if (status == 401) {
            text += " (log in with `docker login " + target.host() + "` or pass --registry-user/--registry-password)";
        }
        if (status >= 400 && status < 500) {
            throw new RemoteBuildException(text);
        }
        throw new IOException(text);
    }
}
