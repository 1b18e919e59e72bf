package io.stevedore.client;

import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;
import io.stevedore.oci.RepositoryName;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/** Small images for the client tests: unique configs and layers, manifests and indexes over them. */
final class ClientTestImages {
    private ClientTestImages() {
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random().nextBytes(bytes);
        return bytes;
    }

    static byte[] config() {
        return Json.MAPPER.writeValueAsBytes(Map.of("architecture", "amd64", "os", "linux",
                "rootfs", Map.of("type", "layers", "diff_ids", List.of()), "nonce", UUID.randomUUID().toString()));
    }

    static byte[] manifest(byte[] config, byte[] layer) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + Digest.sha256(config)
                + "\",\"size\":" + config.length + "},"
                + "\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + Digest.sha256(layer)
                + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
    }

    /** Pushes a fresh config and a layer of {@code layerSize} bytes; returns a manifest over them, not yet pushed. */
    static byte[] pushBlobsOfAnImage(RegistryClient client, RepositoryName repository, int layerSize) {
        byte[] config = config();
        byte[] layer = randomBytes(layerSize);
        client.pushBlob(repository, Digest.sha256(config), config);
        client.pushBlob(repository, Digest.sha256(layer), layer);
        return manifest(config, layer);
    }

    static byte[] index(byte[] manifest) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{"
                + "\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + Digest.sha256(manifest)
                + "\",\"size\":" + manifest.length + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
