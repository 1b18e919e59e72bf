package io.stevedore.registry.images;

import io.stevedore.json.Json;
import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;
import io.stevedore.registry.api.ApiException;
import io.stevedore.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Writes images as tar archives, streaming every blob from the blob store into the tar as it is
 * read (nothing but a copy buffer in memory, see {@link TarStream}): a {@code docker save}
 * archive that {@code docker load} accepts, or an OCI image layout. Layers go into a docker
 * archive as stored (compressed): {@code docker load} decompresses {@code layer.tar} whatever its
 * compression.
 */
@Component
class ArchiveExporter {
    static final String REF_NAME = "org.opencontainers.image.ref.name";

    private final BlobStore blobs;
    private final Images images;

    ArchiveExporter(BlobStore blobs, Images images) {
        this.blobs = blobs;
        this.images = images;
    }

    /** Refuses what cannot be exported before the response starts (afterwards only the connection can fail). */
    static void requireExportable(Images.Loaded image) {
        for (Descriptor layer : image.manifest().layers()) {
            if (MediaTypes.isNonDistributable(layer.mediaType())) {
                throw ApiException.badRequest("layer " + layer.digest() + " is non-distributable and not stored here");
            }
        }
    }

    /**
     * The legacy {@code docker save} format: {@code manifest.json}, {@code <config hex>.json},
     * {@code <layer hex>/layer.tar}, and {@code repositories} when tagged.
     *
     * @param repoTag {@code name:tag} that {@code docker load} tags the image with, or null
     */
    void dockerArchive(Images.Loaded image, String repoTag, OutputStream out) throws IOException {
        TarStream tar = new TarStream(out);
        Descriptor config = image.manifest().config();
        String configName = config.digest().hex() + ".json";
        blob(tar, configName, config);
        List<String> layerNames = new ArrayList<>();
        Set<Digest> written = new HashSet<>();
        for (Descriptor layer : image.manifest().layers()) {
            String name = layer.digest().hex() + "/layer.tar";
            if (written.add(layer.digest())) {
                tar.directory(layer.digest().hex() + "/");
                blob(tar, name, layer);
            }
            layerNames.add(name);
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("Config", configName);
        entry.put("RepoTags", repoTag == null ? List.of() : List.of(repoTag));
        entry.put("Layers", layerNames);
        tar.file("manifest.json", Json.MAPPER.writeValueAsBytes(List.of(entry)));
        if (repoTag != null && !image.manifest().layers().isEmpty()) {
            int colon = repoTag.lastIndexOf(':');
            String top = image.manifest().layers().getLast().digest().hex();
            tar.file("repositories", Json.MAPPER.writeValueAsBytes(
                    Map.of(repoTag.substring(0, colon), Map.of(repoTag.substring(colon + 1), top))));
        }
        tar.finish();
    }

    /**
     * An OCI image layout: {@code oci-layout}, {@code index.json} naming the exported manifest
     * (with {@code tag} as its ref name, unless null), and every manifest and blob under
     * {@code blobs/}. An index keeps all its platforms.
     */
    void ociLayout(Images.Loaded top, String tag, OutputStream out) throws IOException {
        TarStream tar = new TarStream(out);
        tar.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        tar.directory("blobs/");
        Set<String> directories = new HashSet<>();
        Set<Digest> written = new HashSet<>();
        List<Images.Loaded> manifests = new ArrayList<>();
        manifests.add(top);
        for (Descriptor child : top.manifest().manifests()) {
            manifests.add(images.load(top.repository(), child.digest()));
        }
        for (Images.Loaded manifest : manifests) {
            requireExportable(manifest);
            if (written.add(manifest.digest())) {
                if (directories.add(manifest.digest().algorithm())) {
                    tar.directory("blobs/" + manifest.digest().algorithm() + "/");
                }
                tar.file(blobPath(manifest.digest()), manifest.content());
            }
            List<Descriptor> blobsOfManifest = new ArrayList<>();
            if (manifest.manifest().config() != null) {
                blobsOfManifest.add(manifest.manifest().config());
            }
            blobsOfManifest.addAll(manifest.manifest().layers());
            for (Descriptor blob : blobsOfManifest) {
                if (written.add(blob.digest())) {
                    if (directories.add(blob.digest().algorithm())) {
                        tar.directory("blobs/" + blob.digest().algorithm() + "/");
                    }
                    blob(tar, blobPath(blob.digest()), blob);
                }
            }
        }
        Map<String, Object> descriptor = new LinkedHashMap<>();
        descriptor.put("mediaType", top.mediaType());
        descriptor.put("digest", top.digest().toString());
        descriptor.put("size", top.content().length);
        if (tag != null) {
            descriptor.put("annotations", Map.of(REF_NAME, tag));
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.put("manifests", List.of(descriptor));
        tar.file("index.json", Json.MAPPER.writeValueAsBytes(index));
        tar.finish();
    }

    private static String blobPath(Digest digest) {
        return "blobs/" + digest.algorithm() + "/" + digest.hex();
    }

    /** Streams the blob into the tar; its size comes from the descriptor and the tar refuses any other. */
    private void blob(TarStream tar, String name, Descriptor blob) throws IOException {
        try (InputStream in = blobs.read(blob.digest(), 0)) {
            tar.file(name, blob.size(), in);
        }
    }
}
