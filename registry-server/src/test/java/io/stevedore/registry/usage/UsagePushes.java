package io.stevedore.registry.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** Pushes of hand-made images over HTTP, for the usage and quota tests. */
abstract class UsagePushes extends AuthRegistryTestSupport {
    static final String IMAGE = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";

    /** A blob or manifest as a descriptor names it. */
    record Descriptor(String digest, long size, String mediaType) {
        static Descriptor of(byte[] content, String mediaType) {
            return new Descriptor(sha256(content), content.length, mediaType);
        }

        String json() {
            return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
        }
    }

    /** Uploads the blob in one request (which also links it into the repository). */
    static Descriptor upload(String authorization, String repository, byte[] content, String mediaType) {
        String digest = sha256(content);
        Response blob = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + digest, content,
                "Authorization", authorization, "Content-Type", "application/octet-stream");
        assertThat(blob.status()).as("blob push to %s: %s", repository, blob.body()).isEqualTo(201);
        return new Descriptor(digest, content.length, mediaType);
    }

    static byte[] imageManifest(Descriptor config, List<Descriptor> layers) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + IMAGE + "\",\"config\":" + config.json()
                + ",\"layers\":[" + layers.stream().map(Descriptor::json).collect(Collectors.joining(","))
                + "]}").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] indexManifest(List<Descriptor> children, String note) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + INDEX + "\",\"manifests\":["
                + children.stream().map(Descriptor::json).collect(Collectors.joining(","))
                + "],\"annotations\":{\"note\":\"" + note + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    static Response putManifest(String authorization, String repository, String reference, byte[] manifest,
                                String mediaType) {
        return send("PUT", "/v2/" + repository + "/manifests/" + reference, manifest,
                "Authorization", authorization, "Content-Type", mediaType);
    }

    static void delete(String authorization, String path) {
        Response deleted = send("DELETE", path, null, "Authorization", authorization);
        assertThat(deleted.status()).as("DELETE %s: %s", path, deleted.body()).isEqualTo(202);
    }

    static long namespaceUsage(String namespace) {
        return api(200, "GET", "/api/v1/namespaces/" + namespace + "/usage", null, adminBasic()).json()
                .get("usageBytes").asLong();
    }
}
