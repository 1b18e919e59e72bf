package io.stevedore.registry.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/** Pushes of hand-made images over HTTP, for the usage and quota tests. */
abstract class UsagePushes extends AuthRegistryTestSupport {
    static final String IMAGE = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";

    protected final Random random = new Random();

    /** An image whose blobs are uploaded and whose manifest is not yet pushed; {@code adds} counts what is new in it. */
    record Image(byte[] manifest, long adds) {
        String digest() {
            return sha256(manifest);
        }
    }

    /**
     * Uploads a fresh config (always of one size) and a fresh layer of {@code layerSize} bytes; the
     * manifest names them and then {@code sharedLayers}, which {@code adds} leaves out.
     */
    Image uploadImage(String authorization, String repository, int layerSize, Descriptor... sharedLayers) {
        byte[] configBytes = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"nonce\":\"" + random.nextLong(1L << 40, 1L << 41)
                + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] layerBytes = new byte[layerSize];
        random.nextBytes(layerBytes);
        Descriptor config = upload(authorization, repository, configBytes, "application/vnd.oci.image.config.v1+json");
        Descriptor layer = upload(authorization, repository, layerBytes, "application/vnd.oci.image.layer.v1.tar");
        List<Descriptor> layers = new ArrayList<>(List.of(layer));
        layers.addAll(List.of(sharedLayers));
        byte[] manifest = imageManifest(config, layers);
        return new Image(manifest, manifest.length + config.size() + layer.size());
    }

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
