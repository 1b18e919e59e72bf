package io.stevedore.registry.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Pushes small images, indexes and referrers with HTTP Basic straight on /v2 of the auth test server. */
public final class Pushes extends AuthRegistryTestSupport {
    public static final String IMAGE = "application/vnd.oci.image.manifest.v1+json";
    public static final String INDEX = "application/vnd.oci.image.index.v1+json";

    /** An image manifest and the blobs it names. */
    public record Pushed(String digest, byte[] manifest, List<String> blobs) {
    }

    private final String authorization;
    private final String repository;

    public Pushes(String authorization, String repository) {
        this.authorization = authorization;
        this.repository = repository;
    }

    /** An image of a unique config and a unique layer, pushed to {@code reference} (a tag or its digest when null). */
    public Pushed image(String reference) {
        Map<String, Object> config = blob("application/vnd.oci.image.config.v1+json", Json.MAPPER.writeValueAsBytes(
                Map.of("architecture", "amd64", "os", "linux", "nonce", UUID.randomUUID().toString())));
        Map<String, Object> layer = blob("application/vnd.oci.image.layer.v1.tar",
                ("layer " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", IMAGE);
        manifest.put("config", config);
        manifest.put("layers", List.of(layer));
        byte[] bytes = Json.MAPPER.writeValueAsBytes(manifest);
        return new Pushed(manifest(reference, IMAGE, bytes), bytes,
                List.of((String) config.get("digest"), (String) layer.get("digest")));
    }

    /** An index of the given manifests (pushed already). */
    public Pushed index(String reference, Pushed... children) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Pushed child : children) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("mediaType", IMAGE);
            entry.put("digest", child.digest());
            entry.put("size", child.manifest().length);
            entry.put("platform", Map.of("architecture", "amd64", "os", "linux"));
            entries.add(entry);
        }
        byte[] bytes = Json.MAPPER.writeValueAsBytes(Map.of("schemaVersion", 2, "mediaType", INDEX,
                "manifests", entries));
        return new Pushed(manifest(reference, INDEX, bytes), bytes, List.of());
    }

    /** A referrer (say, a signature) of {@code subject}, pushed by digest. */
    public Pushed referrer(Pushed subject) {
        Map<String, Object> empty = blob("application/vnd.oci.empty.v1+json", "{}".getBytes(StandardCharsets.UTF_8));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", IMAGE);
        manifest.put("artifactType", "application/vnd.example.signature");
        manifest.put("config", empty);
        manifest.put("layers", List.of(blob("application/vnd.example.signature.v1",
                ("signature " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8))));
        manifest.put("subject", Map.of("mediaType", IMAGE, "digest", subject.digest(),
                "size", subject.manifest().length));
        byte[] bytes = Json.MAPPER.writeValueAsBytes(manifest);
        return new Pushed(manifest(null, IMAGE, bytes), bytes, List.of((String) empty.get("digest")));
    }

    /** PUTs the manifest; {@code reference} null pushes it by digest. Returns its digest. */
    public String manifest(String reference, String mediaType, byte[] bytes) {
        String digest = sha256(bytes);
        Response put = putManifest(reference == null ? digest : reference, mediaType, bytes);
        assertThat(put.status()).as("push %s:%s: %s", repository, reference, put.body()).isEqualTo(201);
        return digest;
    }

    public Response putManifest(String reference, String mediaType, byte[] bytes) {
        return send("PUT", "/v2/" + repository + "/manifests/" + reference, bytes,
                "Authorization", authorization, "Content-Type", mediaType);
    }

    /** Uploads the blob; returns its descriptor. */
    public Map<String, Object> blob(String mediaType, byte[] content) {
        String digest = sha256(content);
        Response blob = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + digest, content,
                "Authorization", authorization, "Content-Type", "application/octet-stream");
        assertThat(blob.status()).as("blob push to %s: %s", repository, blob.body()).isEqualTo(201);
        return Map.of("mediaType", mediaType, "digest", digest, "size", content.length);
    }

    /** GET of a manifest by tag or digest: its status. */
    public int manifestStatus(String reference) {
        return send("GET", "/v2/" + repository + "/manifests/" + reference, null, "Authorization", authorization,
                "Accept", IMAGE + ", " + INDEX).status();
    }

    public int blobStatus(String digest) {
        return send("HEAD", "/v2/" + repository + "/blobs/" + digest, null, "Authorization", authorization).status();
    }

    public List<String> tags() {
        Response list = send("GET", "/v2/" + repository + "/tags/list", null, "Authorization", authorization);
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        List<String> tags = new ArrayList<>();
        list.json().get("tags").forEach(tag -> tags.add(tag.asString()));
        return tags;
    }
}
