package io.stevedore.registry.images;

import io.stevedore.json.Json;
import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidManifestException;
import io.stevedore.oci.Manifest;
import io.stevedore.oci.ManifestParser;
import io.stevedore.oci.Platform;
import io.stevedore.oci.Reference;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.api.ApiNames;
import io.stevedore.registry.metadata.ManifestStore;
import io.stevedore.registry.metadata.ManifestStore.StoredManifest;
import io.stevedore.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Reads images out of the metadata stores and the blob store: a manifest by tag or digest, the
 * image manifest for a platform of an index, and image configs (small JSON blobs, read whole).
 */
@Component
class Images {
    /** Image configs are a few KiB; anything near this is not one. */
    static final int MAX_CONFIG_BYTES = 8 * 1024 * 1024;

    private final ManifestStore manifests;
    private final BlobStore blobs;

    Images(ManifestStore manifests, BlobStore blobs) {
        this.manifests = manifests;
        this.blobs = blobs;
    }

    /** A stored manifest with its reading. */
    record Loaded(String repository, Digest digest, String mediaType, byte[] content, Manifest manifest) {
    }

    static RepositoryName repositoryName(String name) {
        return ApiNames.repository(name);
    }

    static Reference reference(String text) {
        try {
            if (Digest.looksLikeDigest(text)) {
                return new Reference(null, Digest.parse(text));
            }
            return Reference.parse(text);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid reference \"" + text + "\": " + e.getMessage());
        }
    }

    Optional<Loaded> find(String repository, Reference reference) {
        Optional<StoredManifest> stored = reference.isDigest()
                ? manifests.findByDigest(repository, reference.digest())
                : manifests.findByTag(repository, reference.tag().value());
        return stored.map(s -> new Loaded(repository, Digest.parse(s.digest()), s.mediaType(), s.content(),
                ManifestParser.parse(s.content(), s.mediaType())));
    }

    Loaded load(String repository, Reference reference) {
        return find(repository, reference).orElseThrow(() -> ApiException.notFound(
                "no manifest " + reference + " in " + repository));
    }

    Loaded load(String repository, Digest digest) {
        return load(repository, new Reference(null, digest));
    }

    /**
     * The image manifest an image reference means on a platform: itself if it is one, else the
     * index's child for {@code platform} (null: linux/amd64 if the index has it, else its first image).
     */
    Loaded platformImage(Loaded loaded, String platform) {
        if (!loaded.manifest().isIndex()) {
            return loaded;
        }
        List<Descriptor> children = loaded.manifest().manifests().stream()
                .filter(d -> d.platform() != null && !"unknown".equals(d.platform().os())).toList();
        if (children.isEmpty()) {
            throw ApiException.badRequest("the index " + loaded.digest() + " holds no platform image");
        }
        Descriptor chosen;
        if (platform == null || platform.isBlank()) {
            Platform amd64 = Platform.of("linux", "amd64");
            chosen = children.stream().filter(d -> Platform.matches(amd64, d.platform())).findFirst()
                    .orElse(children.getFirst());
        } else {
            Platform wanted;
            try {
                wanted = Platform.parse(platform);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            chosen = children.stream().filter(d -> Platform.matches(wanted, d.platform())).findFirst()
                    .orElseThrow(() -> ApiException.notFound("the index " + loaded.digest() + " has no image for "
                            + wanted + "; it has " + children.stream().map(d -> d.platform().toString()).toList()));
        }
        Loaded child = load(loaded.repository(), chosen.digest());
        if (child.manifest().isIndex()) {
            throw ApiException.badRequest("nested indexes are not images");
        }
        return child;
    }

    /** The config blob of an image manifest, parsed. */
    JsonNode config(Loaded image) {
        Descriptor config = image.manifest().config();
        if (config == null) {
            throw ApiException.badRequest(image.digest() + " is an index, not an image");
        }
        if (config.size() > MAX_CONFIG_BYTES) {
            throw ApiException.badRequest("the config of " + image.digest() + " is too large to be an image config");
        }
        try (InputStream in = blobs.read(config.digest(), 0)) {
            return Json.MAPPER.readTree(in.readNBytes(MAX_CONFIG_BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException("reading config " + config.digest(), e);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("the config of " + image.digest() + " is not JSON");
        }
    }

    static Manifest parse(byte[] content, String mediaType) {
        try {
            return ManifestParser.parse(content, mediaType);
        } catch (InvalidManifestException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
