package io.stevedore.registry.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Deterministic test images made of Debian's busybox-static: one layer with {@code /bin/busybox}
 * and applet links ({@code sh echo ls cat id pwd}), fixed timestamps and owners, sorted entries.
 * The same binary always gives the same layer, config and manifest digests.
 *
 * <p>Written as an OCI image layout (for {@code skopeo copy --all oci:DIR:TAG docker://...}) or as
 * a {@code docker save} archive (for {@code docker load}).
 */
final class BusyboxImages {

    /** Layout tags: one per platform image, and the two-platform index. */
    static final String AMD64 = "amd64";
    static final String ARM64 = "arm64";
    static final String INDEX = "multi";

    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

    static final Instant CREATED = Instant.parse("2024-01-01T00:00:00Z");
    private static final List<String> APPLETS = List.of("sh", "echo", "ls", "cat", "id", "pwd");
    private static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final String REF_NAME = "org.opencontainers.image.ref.name";
    /** Object keys sorted, so the JSON (and its digest) never depends on map iteration order. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

    private BusyboxImages() {
    }

    /** Bytes under a media type, addressed by their sha256. */
    record Blob(String mediaType, byte[] content) {

        String digest() {
            return sha256(content);
        }

        Map<String, Object> descriptor() {
            Map<String, Object> descriptor = new LinkedHashMap<>();
            descriptor.put("mediaType", mediaType);
            descriptor.put("digest", digest());
            descriptor.put("size", content.length);
            return descriptor;
        }
    }

    /** One platform's image. {@code layerTar} is the uncompressed layer, whose digest is {@code diffId}. */
    record Image(String architecture, String variant, byte[] layerTar, String diffId, Blob layer, Blob config,
            Blob manifest) {

        List<Blob> blobs() {
            return List.of(layer, config, manifest);
        }

        Map<String, Object> platform() {
            Map<String, Object> platform = new LinkedHashMap<>();
            platform.put("architecture", architecture);
            platform.put("os", "linux");
            if (variant != null) {
                platform.put("variant", variant);
            }
            return platform;
        }
    }

    /** An OCI image layout on disk; {@code refs} maps each tag in its index.json to the manifest or index it names. */
    record Layout(Path dir, Map<String, Blob> refs) {

        /** The skopeo/containers-image reference, e.g. {@code oci:/tmp/x/layout:multi}. */
        String reference(String tag) {
            return "oci:" + dir.toAbsolutePath() + ":" + tag;
        }
    }

    /** linux/amd64 only, tagged {@value #AMD64}. Skips the test if busybox-static is not installed. */
    static Layout amd64Layout(Path dir) {
        Image amd64 = amd64Image();
        return writeLayout(dir, Map.of(AMD64, amd64.manifest()), amd64.blobs());
    }

    /**
     * linux/amd64 and linux/arm64/v8 tagged {@value #AMD64} and {@value #ARM64}, and the index of both
     * tagged {@value #INDEX}. Skips the test if the arm64 binary cannot be had.
     */
    static Layout multiPlatformLayout(Path dir) {
        Image amd64 = amd64Image();
        Image arm64 = image("arm64", "v8", BusyboxBinaries.arm64());
        Blob index = index(List.of(amd64, arm64));
        List<Blob> blobs = new ArrayList<>(amd64.blobs());
        blobs.addAll(arm64.blobs());
        blobs.add(index);
        return writeLayout(dir, Map.of(AMD64, amd64.manifest(), ARM64, arm64.manifest(), INDEX, index), blobs);
    }

    static Image amd64Image() {
        return image("amd64", null, BusyboxBinaries.amd64());
    }

    static Image image(String architecture, String variant, Path busybox) {
        byte[] tar = layerTar(busybox);
        String diffId = sha256(tar);
        Blob layer = new Blob(OCI_LAYER_GZIP, gzip(tar));

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("created", CREATED.toString());
        config.put("architecture", architecture);
        config.put("os", "linux");
        if (variant != null) {
            config.put("variant", variant);
        }
        config.put("config", Map.of("Env", List.of(PATH), "Cmd", List.of("sh")));
        config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(diffId)));
        config.put("history", List.of(Map.of("created", CREATED.toString(),
                "created_by", "Stevedore e2e fixture: Debian busybox-static " + architecture)));
        Blob configBlob = new Blob(OCI_CONFIG, json(config));

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", OCI_MANIFEST);
        manifest.put("config", configBlob.descriptor());
        manifest.put("layers", List.of(layer.descriptor()));
        return new Image(architecture, variant, tar, diffId, layer, configBlob, new Blob(OCI_MANIFEST, json(manifest)));
    }

    static Blob index(List<Image> images) {
        List<Map<String, Object>> manifests = new ArrayList<>();
        for (Image image : images) {
            Map<String, Object> descriptor = image.manifest().descriptor();
            descriptor.put("platform", image.platform());
            manifests.add(descriptor);
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", OCI_INDEX);
        index.put("manifests", manifests);
        return new Blob(OCI_INDEX, json(index));
    }

    /** Writes {@code oci-layout}, {@code index.json} (one entry per tag, sorted) and {@code blobs/sha256/}. */
    static Layout writeLayout(Path dir, Map<String, Blob> refs, List<Blob> blobs) {
        try {
            Path blobDir = Files.createDirectories(dir.resolve("blobs/sha256"));
            for (Blob blob : blobs) {
                Files.write(blobDir.resolve(blob.digest().substring("sha256:".length())), blob.content());
            }
            Files.write(dir.resolve("oci-layout"), json(Map.of("imageLayoutVersion", "1.0.0")));
            List<Map<String, Object>> manifests = new ArrayList<>();
            SortedMap<String, Blob> sorted = new TreeMap<>(refs);
            sorted.forEach((tag, blob) -> {
                Map<String, Object> descriptor = blob.descriptor();
                descriptor.put("annotations", Map.of(REF_NAME, tag));
                manifests.add(descriptor);
            });
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("schemaVersion", 2);
            index.put("mediaType", OCI_INDEX);
            index.put("manifests", manifests);
            Files.write(dir.resolve("index.json"), json(index));
            return new Layout(dir, sorted);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code docker save} archive of one image (manifest.json, config, uncompressed layer) for {@code docker load}. */
    static void writeDockerArchive(Image image, String repoTag, Path tarFile) {
        String configName = image.config().digest().substring("sha256:".length()) + ".json";
        String layerName = image.diffId().substring("sha256:".length()) + "/layer.tar";
        byte[] manifest = json(List.of(Map.of("Config", configName, "RepoTags", List.of(repoTag),
                "Layers", List.of(layerName))));
        try (TarArchiveOutputStream tar = tarStream(Files.newOutputStream(tarFile))) {
            putFile(tar, configName, image.config().content(), 0644);
            putFile(tar, layerName, image.layerTar(), 0644);
            putFile(tar, "manifest.json", manifest, 0644);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The uncompressed layer: bin/, bin/busybox and a symlink per applet, in name order. */
    static byte[] layerTar(Path busybox) {
        try {
            byte[] binary = Files.readAllBytes(busybox);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(binary.length + 16 * 1024);
            try (TarArchiveOutputStream tar = tarStream(bytes)) {
                TarArchiveEntry bin = new TarArchiveEntry("bin/", TarConstants.LF_DIR);
                fixOwnerAndTime(bin, 040755);
                tar.putArchiveEntry(bin);
                tar.closeArchiveEntry();
                SortedMap<String, String> links = new TreeMap<>();
                APPLETS.forEach(applet -> links.put("bin/" + applet, "busybox"));
                putFile(tar, "bin/busybox", binary, 0755);
                for (Map.Entry<String, String> link : links.entrySet()) {
                    TarArchiveEntry entry = new TarArchiveEntry(link.getKey(), TarConstants.LF_SYMLINK);
                    entry.setLinkName(link.getValue());
                    fixOwnerAndTime(entry, 0120777);
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static TarArchiveOutputStream tarStream(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        return tar;
    }

    static void putFile(TarArchiveOutputStream tar, String name, byte[] content, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        fixOwnerAndTime(entry, 0100000 | mode);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    static void fixOwnerAndTime(TarArchiveEntry entry, int mode) {
        entry.setMode(mode);
        entry.setIds(0, 0);
        entry.setNames("root", "root");
        entry.setLastModifiedTime(FileTime.from(CREATED));
    }

    /** gzip with the header's mtime left at 0, so the same tar always compresses to the same bytes here. */
    static byte[] gzip(byte[] content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(content.length / 2);
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] json(Object value) {
        return JSON.writeValueAsBytes(value);
    }
}
