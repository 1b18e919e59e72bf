package io.stevedore.builder.engine;

import io.stevedore.client.ImageReference;
import io.stevedore.client.ManifestResponse;
import io.stevedore.client.RegistryClient;
import io.stevedore.client.RegistryClientException;
import io.stevedore.json.Json;
import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Step results keyed by cache key (parent + instruction + effective inputs), kept in the registry
 * so every worker shares them, and mirrored in the work dir so a rebuild on the same machine needs
 * no round trip. In the registry an entry is a small OCI artifact manifest tagged
 * {@code sha256-<key>} in the cache repository; its layer is the step's layer blob and the entry
 * itself rides in an annotation, so a lookup is one GET.
 */
public final class BuildCache {
    // Stored names (the cache repositories' wire format), not Java packages: they keep "build".
    static final String ARTIFACT_TYPE = "application/vnd.stevedore.build.cache.v1+json";
    static final String ENTRY_ANNOTATION = "io.stevedore.build.cache.entry";
    private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);

    private final Path localDir;
    private final ImageReference repository;
    private final Registries registries;
    private volatile boolean emptyConfigPushed;

    /** What a cached step produced: its layers (zero or one) and its history line. */
    public record Entry(List<LayerRef> layers, Instant created, String createdBy) {}

    public BuildCache(Path workDir, ImageReference repository, Registries registries) {
        this.localDir = workDir.resolve("cache");
        this.repository = repository;
        this.registries = registries;
        try {
            Files.createDirectories(localDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ImageReference repository() {
        return repository;
    }

    public Optional<Entry> lookup(Digest key) {
        Path local = localDir.resolve(key.hex() + ".json");
        if (Files.exists(local)) {
            try {
                return Optional.of(decode(Json.MAPPER.readTree(Files.readAllBytes(local))));
            } catch (IOException | RuntimeException e) {
                LayerStore.deleteQuietly(local);
            }
        }
        RegistryClient client = registries.client(repository.registry());
        ManifestResponse response;
        try {
            response = client.fetchManifest(repository.repository(), tag(key));
        } catch (RegistryClientException e) {
            return Optional.empty();   // unknown, or no access to the cache repository: a miss either way
        }
        JsonNode manifest = Json.MAPPER.readTree(response.body());
        JsonNode entryText = manifest.path("annotations").get(ENTRY_ANNOTATION);
        if (entryText == null || !entryText.isString()) {
            return Optional.empty();
        }
        Entry entry = decode(Json.MAPPER.readTree(entryText.asString()));
        writeLocal(key, entry);
        return Optional.of(entry);
    }

    /** Records an entry locally at once; the registry copy is written by {@link #publish}. */
    public void writeLocal(Digest key, Entry entry) {
        Path local = localDir.resolve(key.hex() + ".json");
        Path tmp = localDir.resolve(key.hex() + ".tmp-" + Thread.currentThread().threadId());
        try {
            Files.write(tmp, Json.MAPPER.writeValueAsBytes(encode(entry)));
            Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LayerStore.deleteQuietly(tmp);
        }
    }

    /** Pushes the entry's layer blobs (from local files) and the tagged cache manifest to the registry. */
    public void publish(Digest key, Entry entry, LayerStore store) {
        RegistryClient client = registries.client(repository.registry());
        if (!emptyConfigPushed) {
            client.pushBlob(repository.repository(), Digest.sha256(EMPTY_JSON), EMPTY_JSON);
            emptyConfigPushed = true;
        }
        ObjectNode manifest = Json.MAPPER.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        manifest.put("artifactType", ARTIFACT_TYPE);
        ObjectNode config = manifest.putObject("config");
        config.put("mediaType", MediaTypes.OCI_EMPTY);
        config.put("digest", Digest.sha256(EMPTY_JSON).toString());
        config.put("size", EMPTY_JSON.length);
        ArrayNode layers = manifest.putArray("layers");
        List<LayerRef> stored = new ArrayList<>();
        for (LayerRef layer : entry.layers()) {
            Path file = store.blobPath(layer.blob().digest());
            client.pushBlob(repository.repository(), layer.blob().digest(), layer.blob().size(), file);
            ObjectNode d = layers.addObject();
            d.put("mediaType", layer.blob().mediaType());
            d.put("digest", layer.blob().digest().toString());
            d.put("size", layer.blob().size());
            stored.add(new LayerRef(layer.blob(), layer.diffId(), repository.registry(), repository.repository()));
        }
        if (entry.layers().isEmpty()) {
            // An OCI manifest needs a layer to be an image; an artifact may carry the empty descriptor.
            ObjectNode d = layers.addObject();
            d.put("mediaType", MediaTypes.OCI_EMPTY);
            d.put("digest", Digest.sha256(EMPTY_JSON).toString());
            d.put("size", EMPTY_JSON.length);
        }
        Entry published = new Entry(stored, entry.created(), entry.createdBy());
        manifest.putObject("annotations").put(ENTRY_ANNOTATION, Json.MAPPER.writeValueAsString(encode(published)));
        client.pushManifest(repository.repository(), tag(key), MediaTypes.OCI_MANIFEST, Json.MAPPER.writeValueAsBytes(manifest));
        writeLocal(key, published);
    }

    static String tag(Digest key) {
        return "sha256-" + key.hex();
    }

    private static ObjectNode encode(Entry entry) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("created", entry.created().toString());
        node.put("createdBy", entry.createdBy());
        ArrayNode layers = node.putArray("layers");
        for (LayerRef layer : entry.layers()) {
            ObjectNode l = layers.addObject();
            l.put("mediaType", layer.blob().mediaType());
            l.put("digest", layer.blob().digest().toString());
            l.put("size", layer.blob().size());
            l.put("diffId", layer.diffId().toString());
            l.put("registry", layer.registry());
            l.put("repository", layer.repository().value());
        }
        return node;
    }

    private static Entry decode(JsonNode node) {
        List<LayerRef> layers = new ArrayList<>();
        for (JsonNode l : node.get("layers")) {
            Descriptor blob = Descriptor.of(l.get("mediaType").asString(), Digest.parse(l.get("digest").asString()),
                    l.get("size").asLong());
            layers.add(new LayerRef(blob, Digest.parse(l.get("diffId").asString()), l.get("registry").asString(),
                    io.stevedore.oci.RepositoryName.of(l.get("repository").asString())));
        }
        return new Entry(List.copyOf(layers), Instant.parse(node.get("created").asString()), node.get("createdBy").asString());
    }
}
