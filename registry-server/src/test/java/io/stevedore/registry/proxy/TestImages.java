package io.stevedore.registry.proxy;

import io.stevedore.client.RegistryClient;
import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Images made up for the cache's tests: one layer each (a gzipped tar holding one file of random
 * bytes, so digests never repeat across runs), a config, a manifest, and indexes of several.
 */
final class TestImages {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

    private TestImages() {
    }

    record Blob(String mediaType, byte[] content) {
        Digest digest() {
            return Digest.sha256(content);
        }

        Map<String, Object> descriptor() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("mediaType", mediaType);
            d.put("digest", digest().toString());
            d.put("size", content.length);
            return d;
        }
    }

    record Image(String architecture, Blob layer, Blob config, Blob manifest) {
    }

    /** An image for linux/{@code architecture} whose layer holds {@code size} random bytes. */
    static Image image(String architecture, int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        byte[] tar = tar("data", data);
        Blob layer = new Blob("application/vnd.oci.image.layer.v1.tar+gzip", gzip(tar));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", architecture);
        config.put("os", "linux");
        config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(Digest.sha256(tar).toString())));
        config.put("config", Map.of("Cmd", List.of("/data")));
        Blob configBlob = new Blob("application/vnd.oci.image.config.v1+json", Json.MAPPER.writeValueAsBytes(config));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", OCI_MANIFEST);
        manifest.put("config", configBlob.descriptor());
        manifest.put("layers", List.of(layer.descriptor()));
        return new Image(architecture, layer, configBlob, new Blob(OCI_MANIFEST, Json.MAPPER.writeValueAsBytes(manifest)));
    }

    static Blob index(List<Image> images) {
        List<Map<String, Object>> manifests = new ArrayList<>();
        for (Image image : images) {
            Map<String, Object> d = image.manifest().descriptor();
            d.put("platform", Map.of("architecture", image.architecture(), "os", "linux"));
            manifests.add(d);
        }
        return new Blob(OCI_INDEX, Json.MAPPER.writeValueAsBytes(Map.of("schemaVersion", 2, "mediaType", OCI_INDEX,
                "manifests", manifests)));
    }

    /** Pushes the image's blobs and its manifest under {@code tag} (null: by digest only). */
    static void push(RegistryClient client, String repository, Image image, String tag) {
        RepositoryName name = RepositoryName.of(repository);
        client.pushBlob(name, image.layer().digest(), image.layer().content());
        client.pushBlob(name, image.config().digest(), image.config().content());
        client.pushManifest(name, tag != null ? tag : image.manifest().digest().toString(), OCI_MANIFEST,
                image.manifest().content());
    }

    /** Pushes the images by digest and the index of them under {@code tag}. */
    static Blob pushIndex(RegistryClient client, String repository, List<Image> images, String tag) {
        images.forEach(image -> push(client, repository, image, null));
        Blob index = index(images);
        client.pushManifest(RepositoryName.of(repository), tag, OCI_INDEX, index.content());
        return index;
    }

    /** A POSIX tar with one regular file. */
    private static byte[] tar(String name, byte[] content) {
        byte[] header = new byte[512];
        put(header, 0, name);
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", content.length));
        put(header, 136, String.format("%011o", 1704067200L));
        java.util.Arrays.fill(header, 148, 156, (byte) ' ');
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        header[154] = 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        out.writeBytes(content);
        out.writeBytes(new byte[(512 - content.length % 512) % 512]);
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] header, int offset, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
