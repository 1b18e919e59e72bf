package io.stevedore.registry.outages;

import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Plain HTTP pushes and pulls against a registry with authentication off, as the fault tests make
 * them: each step's response is returned, not asserted, since under a fault any step may fail.
 */
final class FaultClient {
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    /** One HTTP answer: status, body, Retry-After, Location, Range (an upload's progress). */
    record Answer(int status, byte[] body, String retryAfter, String location, String range) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The first OCI error code of the body, or null when the body is not the OCI error shape. */
        String errorCode() {
            try {
                Map<?, ?> json = Json.MAPPER.readValue(body, Map.class);
                List<?> errors = (List<?>) json.get("errors");
                return (String) ((Map<?, ?>) errors.getFirst()).get("code");
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    private final URI base;
    private final Duration timeout;

    FaultClient(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    Answer send(String method, String pathOrUrl, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(pathOrUrl)).timeout(timeout)
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<byte[]> response = HTTP.send(request.build(), BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(), response.body(),
                response.headers().firstValue("Retry-After").orElse(null),
                response.headers().firstValue("Location").orElse(null),
                response.headers().firstValue("Range").orElse(null));
    }

    URI resolve(String pathOrUrl) {
        return base.resolve(pathOrUrl);
    }

    /** POST ?digest=: the blob in one request. */
    Answer pushMonolithic(String repo, byte[] blob) throws Exception {
        return send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + Digest.sha256(blob), blob,
                "Content-Type", "application/octet-stream");
    }

    /** POST, PATCH per chunk, PUT ?digest=; stops at the first answer that is not the expected one. */
    Answer pushChunked(String repo, byte[] blob, int chunkSize) throws Exception {
        Answer started = send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        if (started.status() != 202) {
            return started;
        }
        String location = started.location();
        for (int offset = 0; offset < blob.length; offset += chunkSize) {
            int end = Math.min(blob.length, offset + chunkSize);
            Answer chunk = send("PATCH", location, Arrays.copyOfRange(blob, offset, end),
                    "Content-Type", "application/octet-stream", "Content-Range", offset + "-" + (end - 1));
            if (chunk.status() != 202) {
                return chunk;
            }
            location = chunk.location();
        }
        return send("PUT", withDigest(location, Digest.sha256(blob)), null);
    }

    /** An outage answer: {@code status}, code UNAVAILABLE, a message naming {@code what}, Retry-After, no trace. */
    static void assertOutage(Answer answer, int status, String what) {
        org.assertj.core.api.Assertions.assertThat(answer.status()).as(answer.text()).isEqualTo(status);
        org.assertj.core.api.Assertions.assertThat(answer.errorCode()).isEqualTo("UNAVAILABLE");
        org.assertj.core.api.Assertions.assertThat(answer.text()).contains(what).doesNotContain("Exception");
        org.assertj.core.api.Assertions.assertThat(answer.retryAfter()).isNotBlank();
    }

    static String withDigest(String location, Digest digest) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
    }

    /** A manifest naming {@code config} and {@code layer}, which must be in the repository. */
    static byte[] manifest(byte[] config, byte[] layer) {
        return """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}"""
                .formatted(Digest.sha256(config), config.length, Digest.sha256(layer), layer.length)
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] config(String note) {
        return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"note\":\"" + note + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    Answer putManifest(String repo, String reference, byte[] manifest) throws Exception {
        return send("PUT", "/v2/" + repo + "/manifests/" + reference, manifest, "Content-Type", MANIFEST);
    }

    Answer getBlob(String repo, Digest digest) throws Exception {
        return send("GET", "/v2/" + repo + "/blobs/" + digest, null);
    }

    Answer getManifest(String repo, String reference) throws Exception {
        return send("GET", "/v2/" + repo + "/manifests/" + reference, null, "Accept", MANIFEST);
    }
}
