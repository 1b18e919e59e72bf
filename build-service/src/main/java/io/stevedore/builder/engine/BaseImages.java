package io.stevedore.builder.engine;

import io.stevedore.client.ImageReference;
import io.stevedore.client.ManifestResponse;
import io.stevedore.client.RegistryClient;
import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.Manifest;
import io.stevedore.oci.ManifestParser;
import io.stevedore.oci.MediaTypes;
import io.stevedore.oci.Platform;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Resolves `FROM` images (and `COPY --from=image`) to a configuration and layers for one platform. */
public final class BaseImages {
    private static final int MAX_CONFIG_BYTES = 8 * 1024 * 1024;

    /**
     * Base image configs by digest, kept for the life of the process: content-addressed, so never
     * stale, and a build daemon's rebuild then resolves a base with one round trip (its tag) instead
     * of two per stage's base.
     */
    private static final Map<Digest, byte[]> CONFIGS = new ConcurrentHashMap<>();
    private static final int MAX_CONFIGS_KEPT = 64;

    private final Registries registries;
    private final Map<String, BaseImage> resolved = new ConcurrentHashMap<>();

    public BaseImages(Registries registries) {
        this.registries = registries;
    }

    /** A base image for one platform: where it came from, its config, its layers. */
    public record BaseImage(ImageReference reference, Digest manifestDigest, ImageConfig config, List<LayerRef> layers) {}

    public BaseImage resolve(ImageReference reference, Platform platform) {
        String key = reference + " " + platform;
        BaseImage image = resolved.computeIfAbsent(key, k -> load(reference, platform));
        return new BaseImage(image.reference(), image.manifestDigest(), image.config().copy(), image.layers());
    }

    private BaseImage load(ImageReference reference, Platform platform) {
        RegistryClient client = registries.client(reference.registry());
        ManifestResponse response = client.fetchManifest(reference.repository(), reference.reference());
        Manifest manifest = ManifestParser.parse(response.body(), response.mediaType());
        Digest manifestDigest = response.digest();
        if (manifest.isIndex()) {
            Descriptor chosen = null;
            for (Descriptor candidate : manifest.manifests()) {
                if (Platform.matches(platform, candidate.platform())) {
                    chosen = candidate;
                    break;
                }
            }
            if (chosen == null) {
                List<String> offered = new ArrayList<>();
                manifest.manifests().forEach(d -> offered.add(d.platform() == null ? "?" : d.platform().normalised().toString()));
                throw new BuildException("image " + reference + " has no variant for " + platform
                        + " (it offers " + String.join(", ", offered) + ")");
            }
            response = client.fetchManifest(reference.repository(), chosen.digest().toString());
            manifest = ManifestParser.parse(response.body(), response.mediaType());
            manifestDigest = response.digest();
        }
        if (!MediaTypes.IMAGE_MANIFESTS.contains(manifest.mediaType())) {
            throw new BuildException("image " + reference + " is a " + manifest.mediaType() + ", not an image manifest");
        }
        ImageConfig config = ImageConfig.parse(readConfig(client, reference, manifest.config()));
        List<Digest> diffIds = config.diffIds();
        if (diffIds.size() != manifest.layers().size()) {
            throw new BuildException("image " + reference + " lists " + manifest.layers().size() + " layers but "
                    + diffIds.size() + " diff_ids");
        }
        List<LayerRef> layers = new ArrayList<>();
        for (int i = 0; i < diffIds.size(); i++) {
            Descriptor blob = manifest.layers().get(i);
            if (MediaTypes.isNonDistributable(blob.mediaType())) {
                throw new BuildException("image " + reference + " has a non-distributable layer; not supported");
            }
            layers.add(new LayerRef(blob, diffIds.get(i), reference.registry(), reference.repository()));
        }
        return new BaseImage(reference.withDigest(manifestDigest), manifestDigest, config, List.copyOf(layers));
    }

    private static byte[] readConfig(RegistryClient client, ImageReference reference, Descriptor descriptor) {
        if (descriptor.size() > MAX_CONFIG_BYTES) {
            throw new BuildException("image " + reference + " has a " + descriptor.size() + "-byte configuration; refusing");
        }
        byte[] known = CONFIGS.get(descriptor.digest());
        if (known != null) {
            return known;
        }
        try (InputStream in = client.openBlob(reference.repository(), descriptor.digest())) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) descriptor.size());
            in.transferTo(out);
            byte[] config = out.toByteArray();
            if (Digest.sha256(config).equals(descriptor.digest())) {
                if (CONFIGS.size() >= MAX_CONFIGS_KEPT) {
                    CONFIGS.clear();
                }
                CONFIGS.put(descriptor.digest(), config);
            }
            return config;
        } catch (IOException e) {
            throw new BuildException("could not read the configuration of " + reference + ": " + e.getMessage(), e);
        }
    }
}
