package io.stevedore.registry.images;

import io.stevedore.json.Json;
import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidDigestException;
import io.stevedore.oci.Manifest;
import io.stevedore.oci.MediaTypes;
import io.stevedore.oci.RepositoryName;
import io.stevedore.oci.Tag;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.metadata.BlobRecordStore;
import io.stevedore.registry.metadata.DeadlockRetry;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadWriter;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Imports a {@code docker save} archive or an OCI image layout tar into a repository, streaming.
 * Entries may come in any order: every file is hashed as it arrives, large ones staged in upload
 * sessions of the blob store, small ones (JSON) kept in memory; {@code index.json} (preferred) or
 * {@code manifest.json} is resolved at the end. Then the referenced blobs are committed (the
 * store verifies each digest), and rows for blobs, manifests and tags are written in one
 * transaction, so a refused archive leaves nothing visible. Links, devices, absolute paths,
 * {@code ..}, duplicate names and oversized headers are refused with 400 naming the entry.
 *
 * <p>A docker archive's layers are uncompressed tars; they are stored as they are, as
 * {@code application/vnd.docker.image.rootfs.diff.tar} layers of a Docker schema 2 manifest (their
 * digests are then the config's diff ids, which the import checks), not gzipped on the fly: a
 * pull transfers more bytes, but the import costs no compression CPU and stays verifiable.
 * Gzipped {@code layer.tar} files (as this registry's own export writes them) are kept as gzip.
 */
@Component
class ArchiveImporter {
    static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
    /** Entries up to this size are kept in memory (manifests, configs, index.json...). */
    private static final int SMALL = 1024 * 1024;
    /** The most bytes of small entries held at once. */
    private static final long MAX_SMALL_TOTAL = 64L * 1024 * 1024;
    private static final int MAX_ENTRIES = 10_000;

    private final BlobStore store;
    private final BlobRecordStore blobRecords;
    private final ImageWrites writes;
    private final RepositoryStore repositories;
    private final TransactionTemplate transaction;

    ArchiveImporter(BlobStore store, BlobRecordStore blobRecords, ImageWrites writes,
                    RepositoryStore repositories, TransactionTemplate transaction) {
        this.store = store;
        this.blobRecords = blobRecords;
        this.writes = writes;
        this.repositories = repositories;
        this.transaction = transaction;
    }

    /** A manifest the import stored, tagged {@code tag} unless null. */
    record ImportedImage(String tag, String digest, String mediaType) {
    }

    /**
     * One file of the archive: hashed, and either in memory or in an upload session of the blob
     * store, closed between staging and commit so that a large archive holds no file or
     * connection per entry (the session is reopened with the state its store returned).
     */
    private static final class Staged {
        final String name;
        final Digest digest;
        final long size;
        final byte[] content;
        final String uploadId;
        final String uploadState;
        final boolean gzip;
        boolean committed;

        Staged(String name, Digest digest, long size, byte[] content, String uploadId, String uploadState,
               boolean gzip) {
            this.name = name;
            this.digest = digest;
            this.size = size;
            this.content = content;
            this.uploadId = uploadId;
            this.uploadState = uploadState;
            this.gzip = gzip;
        }
    }

    /** A blob or manifest to store, in the order the rows must be written. */
    private record Planned(List<Staged> blobs, List<PlannedManifest> manifests) {
    }

    private record PlannedManifest(Digest digest, String mediaType, byte[] content, Manifest parsed, String tag) {
    }

    /**
     * @param tag the tag for the archive's image (when it holds one), else the archive's own tags are used
     * @param audit called in the import's transaction with each stored image
     */
    List<ImportedImage> importArchive(InputStream body, RepositoryName repository, String tag, String actor,
                                      Consumer<ImportedImage> audit) throws IOException {
        Map<String, Staged> entries = new LinkedHashMap<>();
        try {
            read(body, entries);
            Planned plan = entries.containsKey("index.json") ? planOciLayout(entries, tag)
                    : entries.containsKey("manifest.json") ? planDockerArchive(entries, tag, repository)
                    : refuse("the archive has neither index.json (OCI layout) nor manifest.json (docker save)");
            for (Staged blob : plan.blobs()) {
                commit(blob);
            }
            List<ImportedImage> imported = new ArrayList<>();
            DeadlockRetry.run(transaction, status -> {
                imported.clear(); // a run again after a deadlock starts afresh
                long repositoryId = repositories.findOrCreate(repository);
                for (Staged blob : plan.blobs()) {
                    blobRecords.linkNew(repositoryId, blob.digest, blob.size);
                }
                for (PlannedManifest m : plan.manifests()) {
                    long id = writes.store(repositoryId, repository, m.digest(), m.mediaType(), m.content(), m.parsed());
                    if (m.tag() != null) {
                        writes.tag(repositoryId, repository, m.tag(), id, m.digest(), m.mediaType(), m.content().length,
                                actor);
                    } else if (plan.manifests().getLast() == m) {
                        writes.pushedUntagged(repository, m.digest(), m.mediaType(), m.content().length, actor);
                    }
                    if (m.tag() != null || plan.manifests().getLast() == m) {
                        ImportedImage image = new ImportedImage(m.tag(), m.digest().toString(), m.mediaType());
                        imported.add(image);
                        audit.accept(image);
                    }
                }
            });
            return imported;
        } finally {
            for (Staged staged : entries.values()) {
                if (staged.uploadId != null && !staged.committed) {
                    try {
                        store.upload(staged.uploadId, staged.uploadState).cancel();
                    } catch (IOException | RuntimeException e) {
                        // the store's stale-upload cleanup takes what is left
                    }
                }
            }
        }
    }

    private void read(InputStream body, Map<String, Staged> entries) throws IOException {
        ArchiveReader reader = new ArchiveReader(body);
        long small = 0;
        try {
            ArchiveReader.Entry entry;
            while ((entry = reader.next()) != null) {
                String name = checkedName(entry);
                if (entry.type() == '5') {
                    continue;
                }
                if (entries.containsKey(name)) {
                    throw refusal("entry " + entry.name() + " appears twice");
                }
                if (entries.size() >= MAX_ENTRIES) {
                    throw refusal("the archive has more than " + MAX_ENTRIES + " files");
                }
                if (entry.size() <= SMALL) {
                    small += entry.size();
                    if (small > MAX_SMALL_TOTAL) {
                        throw refusal("the archive's small files exceed " + MAX_SMALL_TOTAL + " bytes together");
                    }
                    byte[] content = reader.data().readNBytes((int) entry.size());
                    if (content.length < entry.size()) {
                        throw new EOFException("the archive ends inside " + entry.name());
                    }
                    entries.put(name, new Staged(name, Digest.sha256(content), content.length, content, null, null,
                            isGzip(content)));
                } else {
                    entries.put(name, stage(name, reader.data()));
                }
            }
        } catch (ArchiveReader.Malformed | EOFException | java.util.zip.ZipException e) {
            throw refusal(e.getMessage());
        }
    }

    /** The entry's name without a leading {@code ./}; refuses anything that is not a plain file or directory. */
    private static String checkedName(ArchiveReader.Entry entry) {
        String name = entry.name();
        if (entry.type() != '0' && entry.type() != '5') {
            throw refusal("entry " + name + " is a " + kind(entry.type()) + "; an image archive holds only files"
                    + " and directories");
        }
        if (name.startsWith("/") || name.contains("\\") || name.indexOf('\0') >= 0) {
            throw refusal("entry " + name + " has an absolute or malformed path");
        }
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw refusal("entry " + entry.name() + " climbs out of the archive with ..");
            }
        }
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        return name;
    }

    private static String kind(char type) {
        return switch (type) {
            case '1' -> "hard link";
            case '2' -> "symbolic link";
            case '3', '4' -> "device";
            case '6' -> "FIFO";
            default -> "entry of type '" + type + "'";
        };
    }

    private Staged stage(String name, InputStream data) throws IOException {
        MessageDigest sha256 = Digest.newMessageDigest("sha256");
        String uploadId = UploadIds.newId();
        UploadWriter writer = store.upload(uploadId);
        try {
            byte[] head = new byte[2];
            InputStream hashed = new DigestInputStream(data, sha256);
            int headLength = hashed.readNBytes(head, 0, 2);
            long size = writer.append(new SequenceInputStream(new ByteArrayInputStream(head, 0, headLength), hashed));
            Staged staged = new Staged(name, Digest.fromMessageDigest("sha256", sha256), size, null, uploadId,
                    writer.state(), headLength == 2 && isGzip(head));
            writer.close();
            return staged;
        } catch (IOException | RuntimeException e) {
            writer.cancel();
            throw e;
        }
    }

    private static boolean isGzip(byte[] head) {
        return head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
    }

    private void commit(Staged blob) throws IOException {
        if (blob.committed) {
            return;
        }
        if (blob.uploadId != null) {
            try (UploadWriter writer = store.upload(blob.uploadId, blob.uploadState)) {
                writer.commit(blob.digest);
            }
        } else if (store.stat(blob.digest).isEmpty()) {
            try (UploadWriter writer = store.upload(UploadIds.newId())) {
                writer.append(new ByteArrayInputStream(blob.content));
                writer.commit(blob.digest);
            }
        }
        blob.committed = true;
    }

    // --- OCI image layout ---

    private Planned planOciLayout(Map<String, Staged> entries, String tag) {
        JsonNode index = json(entries.get("index.json"));
        JsonNode descriptors = index.get("manifests");
        if (descriptors == null || !descriptors.isArray() || descriptors.isEmpty()) {
            throw refusal("index.json lists no manifests");
        }
        if (tag != null && descriptors.size() > 1) {
            throw refusal("the archive holds " + descriptors.size() + " images; a tag parameter names only one");
        }
        List<Staged> blobs = new ArrayList<>();
        List<PlannedManifest> planned = new ArrayList<>();
        for (JsonNode d : descriptors) {
            String refName = d.path("annotations").path(ArchiveExporter.REF_NAME).asString(null);
            String chosen = tag != null ? tag : refName != null && Tag.isValid(refName) ? refName : null;
            planManifest(entries, digestOf(d.path("digest").asString(null), "index.json"),
                    d.path("size").asLong(-1), chosen, blobs, planned, 0);
        }
        return new Planned(blobs, planned);
    }

    private void planManifest(Map<String, Staged> entries, Digest digest, long size, String tag, List<Staged> blobs,
                              List<PlannedManifest> planned, int depth) {
        Staged staged = blob(entries, digest, size);
        if (staged.content == null) {
            throw refusal("manifest " + digest + " is too large");
        }
        Manifest manifest;
        try {
            manifest = io.stevedore.oci.ManifestParser.parse(staged.content, null);
        } catch (RuntimeException e) {
            throw refusal("blobs/" + digest.algorithm() + "/" + digest.hex() + " is not a manifest: " + e.getMessage());
        }
        if (manifest.isIndex()) {
            if (depth > 0) {
                throw refusal("index " + digest + " is nested in another index");
            }
            for (Descriptor child : manifest.manifests()) {
                planManifest(entries, child.digest(), child.size(), null, blobs, planned, depth + 1);
            }
        } else {
            manifest.requiredBlobs().forEach(d -> {
                Staged b = blob(entries, d.digest(), d.size());
                if (!blobs.contains(b)) {
                    blobs.add(b);
                }
            });
        }
        planned.add(new PlannedManifest(digest, manifest.mediaType(), staged.content, manifest, tag));
    }

    /** The layout's blob of that digest, checked against its name and the size its descriptor gives. */
    private static Staged blob(Map<String, Staged> entries, Digest digest, long size) {
        String name = "blobs/" + digest.algorithm() + "/" + digest.hex();
        Staged staged = entries.get(name);
        if (staged == null) {
            throw refusal("the archive lacks " + name);
        }
        if (!staged.digest.equals(digest)) {
            throw refusal("entry " + name + " hashes to " + staged.digest);
        }
        if (size >= 0 && staged.size != size) {
            throw refusal("entry " + name + " has " + staged.size + " bytes; its descriptor says " + size);
        }
        return staged;
    }

    // --- docker save ---

    private Planned planDockerArchive(Map<String, Staged> entries, String tag, RepositoryName repository) {
        JsonNode images = json(entries.get("manifest.json"));
        if (!images.isArray() || images.isEmpty()) {
            throw refusal("manifest.json lists no images");
        }
        if (tag != null && images.size() > 1) {
            throw refusal("the archive holds " + images.size() + " images; a tag parameter names only one");
        }
        List<Staged> blobs = new ArrayList<>();
        List<PlannedManifest> planned = new ArrayList<>();
        for (JsonNode image : images) {
            Staged config = file(entries, image.path("Config").asString(null), "Config");
            if (config.content == null) {
                throw refusal("the config " + config.name + " is too large");
            }
            JsonNode diffIds = json(config).path("rootfs").path("diff_ids");
            JsonNode layerNames = image.path("Layers");
            if (!layerNames.isArray() || layerNames.size() != diffIds.size()) {
                throw refusal("manifest.json names " + layerNames.size() + " layers; the config has "
                        + diffIds.size() + " diff ids");
            }
            List<Map<String, Object>> layers = new ArrayList<>();
            for (int i = 0; i < layerNames.size(); i++) {
                Staged layer = file(entries, layerNames.get(i).asString(null), "Layers");
                String mediaType;
                if (layer.digest.toString().equals(diffIds.get(i).asString(""))) {
                    mediaType = DOCKER_LAYER;
                } else if (layer.gzip) {
                    mediaType = MediaTypes.DOCKER_LAYER_GZIP;
                } else {
                    throw refusal("entry " + layer.name + " hashes to " + layer.digest + "; the config's diff id is "
                            + diffIds.get(i).asString(""));
                }
                layers.add(descriptor(mediaType, layer));
                if (!blobs.contains(layer)) {
                    blobs.add(layer);
                }
            }
            blobs.add(config);
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", MediaTypes.DOCKER_MANIFEST);
            manifest.put("config", descriptor(MediaTypes.DOCKER_CONFIG, config));
            manifest.put("layers", layers);
            byte[] content = Json.MAPPER.writeValueAsBytes(manifest);
            String chosen = tag != null ? tag : archiveTag(image.path("RepoTags"));
            planned.add(new PlannedManifest(Digest.sha256(content), MediaTypes.DOCKER_MANIFEST, content,
                    io.stevedore.oci.ManifestParser.parse(content, MediaTypes.DOCKER_MANIFEST), chosen));
        }
        return new Planned(blobs, planned);
    }

    /** The tag of the archive's first {@code name:tag}, if it is a valid tag. */
    private static String archiveTag(JsonNode repoTags) {
        if (!repoTags.isArray() || repoTags.isEmpty()) {
            return null;
        }
        String repoTag = repoTags.get(0).asString("");
        int colon = repoTag.lastIndexOf(':');
        String tag = colon > repoTag.lastIndexOf('/') ? repoTag.substring(colon + 1) : null;
        return tag != null && Tag.isValid(tag) ? tag : null;
    }

    private static Map<String, Object> descriptor(String mediaType, Staged blob) {
        Map<String, Object> descriptor = new LinkedHashMap<>();
        descriptor.put("mediaType", mediaType);
        descriptor.put("size", blob.size);
        descriptor.put("digest", blob.digest.toString());
        return descriptor;
    }

    private static Staged file(Map<String, Staged> entries, String name, String field) {
        if (name == null) {
            throw refusal("manifest.json has an image without " + field);
        }
        String clean = name.startsWith("./") ? name.substring(2) : name;
        Staged staged = entries.get(clean);
        if (staged == null) {
            throw refusal("manifest.json names " + name + ", which the archive lacks");
        }
        return staged;
    }

    private static Digest digestOf(String text, String where) {
        try {
            return Digest.parse(text);
        } catch (InvalidDigestException | NullPointerException e) {
            throw refusal(where + " has a descriptor without a valid digest");
        }
    }

    private static JsonNode json(Staged staged) {
        if (staged.content == null) {
            throw refusal(staged.name + " is too large");
        }
        try {
            return Json.MAPPER.readTree(staged.content);
        } catch (RuntimeException e) {
            throw refusal(staged.name + " is not JSON");
        }
    }

    private static ApiException refusal(String message) {
        return ApiException.badRequest(message);
    }

    private static Planned refuse(String message) {
        throw refusal(message);
    }
}
