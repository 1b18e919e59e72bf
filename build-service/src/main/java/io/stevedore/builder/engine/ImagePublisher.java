package io.stevedore.builder.engine;

import io.stevedore.client.ImageReference;
import io.stevedore.client.RegistryClient;
import io.stevedore.json.Json;
import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;
import io.stevedore.oci.Platform;
import io.stevedore.oci.RepositoryName;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Puts finished images into their target repository: layers mounted from wherever the registry
 * already holds them (the cache repository, the base image's repository) or uploaded from this
 * machine, then the config, then the manifest; an index on top for several platforms.
 */
final class ImagePublisher {
    private final Registries registries;
    private final LayerStore store;

    ImagePublisher(Registries registries, LayerStore store) {
        this.registries = registries;
        this.store = store;
    }

    /** A manifest (or index) ready to push: its descriptor and exact bytes. */
    record Pushed(Descriptor descriptor, byte[] body) {}

    /**
     * One platform's image: its layers and config put into {@code target}'s repository, its
     * manifest built but not yet pushed (under the tags alone, or by digest below an index).
     */
    Pushed pushImage(ImageReference target, ImageConfig config, List<LayerRef> layers, Platform platform) {
        RegistryClient client = registries.client(target.registry());
        ensureLayers(target, layers);
        byte[] configJson = config.toJson();
        Digest configDigest = Digest.sha256(configJson);
        client.pushBlob(target.repository(), configDigest, configJson);
        ObjectNode manifest = Json.MAPPER.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        ObjectNode configNode = manifest.putObject("config");
        configNode.put("mediaType", MediaTypes.OCI_CONFIG);
        configNode.put("digest", configDigest.toString());
        configNode.put("size", configJson.length);
        ArrayNode layerNodes = manifest.putArray("layers");
        for (LayerRef layer : layers) {
            ObjectNode node = layerNodes.addObject();
            node.put("mediaType", ociLayerType(layer.blob().mediaType()));
            node.put("digest", layer.blob().digest().toString());
            node.put("size", layer.blob().size());
        }
        byte[] body = Json.MAPPER.writeValueAsBytes(manifest);
        Digest digest = Digest.sha256(body);
        return new Pushed(new Descriptor(MediaTypes.OCI_MANIFEST, digest, body.length, null, null, platform, null), body);
    }

    /** An index over several platforms' manifests (not yet pushed). */
    static Pushed index(List<Pushed> manifests) {
        ObjectNode index = Json.MAPPER.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode list = index.putArray("manifests");
        for (Pushed pushed : manifests) {
            Descriptor manifest = pushed.descriptor();
            ObjectNode node = list.addObject();
            node.put("mediaType", manifest.mediaType());
            node.put("digest", manifest.digest().toString());
            node.put("size", manifest.size());
            ObjectNode platform = node.putObject("platform");
            platform.put("architecture", manifest.platform().architecture());
            platform.put("os", manifest.platform().os());
            if (manifest.platform().variant() != null) {
                platform.put("variant", manifest.platform().variant());
            }
        }
        byte[] body = Json.MAPPER.writeValueAsBytes(index);
        return new Pushed(Descriptor.of(MediaTypes.OCI_INDEX, Digest.sha256(body), body.length), body);
    }

    /** Pushes the manifest or index under {@code reference}: a tag, or its digest. */
    void push(ImageReference target, Pushed pushed, String reference) {
        registries.client(target.registry()).pushManifest(target.repository(), reference,
                pushed.descriptor().mediaType(), pushed.body());
    }

    private void ensureLayers(ImageReference target, List<LayerRef> layers) {
        if (layers.size() <= 1) {
            layers.forEach(layer -> ensureLayer(target, layer));
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(4, layers.size()));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (LayerRef layer : layers) {
                futures.add(pool.submit(() -> ensureLayer(target, layer)));
            }
            for (Future<?> future : futures) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new BuildException("pushing layers failed: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BuildException("interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void ensureLayer(ImageReference target, LayerRef layer) {
        RegistryClient client = registries.client(target.registry());
        RepositoryName repository = target.repository();
        Digest digest = layer.blob().digest();
        if (layer.registry().equals(target.registry())) {
            if (layer.repository().equals(repository)) {
                if (client.blobSize(repository, digest).isPresent()) {
                    return;
                }
            } else if (client.mountBlob(repository, digest, layer.repository())) {
                return;
            }
        }
        Path file = localBlob(layer);
        client.pushBlob(repository, digest, layer.blob().size(), file);
    }

    /** The layer's blob on this machine, downloaded from where it lives when needed. */
    private Path localBlob(LayerRef layer) {
        Path file = store.blobPath(layer.blob().digest());
        if (!Files.exists(file)) {
            registries.client(layer.registry()).fetchBlob(layer.repository(), layer.blob().digest(), file);
        }
        return file;
    }

    private static String ociLayerType(String mediaType) {
        return switch (mediaType) {
            case MediaTypes.DOCKER_LAYER_GZIP -> MediaTypes.OCI_LAYER_GZIP;
            case "application/vnd.docker.image.rootfs.diff.tar" -> MediaTypes.OCI_LAYER;
            default -> mediaType;
        };
    }
}
