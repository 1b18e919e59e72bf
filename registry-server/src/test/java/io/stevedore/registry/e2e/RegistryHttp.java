package io.stevedore.registry.e2e;

import io.stevedore.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** Plain HTTP reads of the registry under test, to check what a client pushed. */
final class RegistryHttp {

    static final String MANIFEST_TYPES = String.join(", ",
            BusyboxImages.OCI_MANIFEST, BusyboxImages.OCI_INDEX,
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");

    /** Follows redirects: a registry may serve blobs from elsewhere (307 to storage). */
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private RegistryHttp() {
    }

    record Response(int status, String contentType, String dockerContentDigest, byte[] body) {

        JsonNode json() {
            return parse(body);
        }

        static JsonNode parse(byte[] json) {
            return Json.MAPPER.readTree(json);
        }
    }

    static Response manifest(URI registry, String repository, String reference) {
        return get(registry.resolve("/v2/" + repository + "/manifests/" + reference), MANIFEST_TYPES);
    }

    static Response blob(URI registry, String repository, String digest) {
        return get(registry.resolve("/v2/" + repository + "/blobs/" + digest), "*/*");
    }

    /** A fresh lower-case suffix for repository names, so runs never see each other's content. */
    static String randomSuffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static Response get(URI url, String accept) {
        HttpRequest request = HttpRequest.newBuilder(url).header("Accept", accept)
                .timeout(Duration.ofMinutes(1)).GET().build();
        try {
            HttpResponse<byte[]> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Response(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(null),
                    response.headers().firstValue("Docker-Content-Digest").orElse(null),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: GET " + url, e);
        }
    }
}
