package io.stevedore.registry.images;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.metadata.BlobRecordStore;
import io.stevedore.registry.metadata.ManifestStore;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.registry.metadata.TagStore;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Tags and copies images inside the registry: rows only. A copy links the source's blobs into the
 * target repository and inserts the same manifest bytes there (an index with every child), in one
 * transaction, so no byte is read or written in the blob store and the digests stay the same.
 */
@Component
class ImageCopier {
    private final Images images;
    private final RepositoryStore repositories;
    private final BlobRecordStore blobs;
    private final ManifestStore manifests;
    private final TagStore tags;
    private final TransactionTemplate transaction;

    ImageCopier(Images images, RepositoryStore repositories, BlobRecordStore blobs, ManifestStore manifests,
                TagStore tags, TransactionTemplate transaction) {
        this.images = images;
        this.repositories = repositories;
        this.blobs = blobs;
        this.manifests = manifests;
        this.tags = tags;
        this.transaction = transaction;
    }

    /**
     * Copies the manifest (with an index's children) from {@code source} into {@code target},
     * tagging it {@code tag} there unless null; returns what was copied.
     */
    Images.Loaded copy(Images.Loaded source, RepositoryName target, String tag) {
        List<Images.Loaded> children = new ArrayList<>();
        for (Descriptor child : source.manifest().manifests()) {
            children.add(images.load(source.repository(), child.digest()));
        }
        Set<String> required = new LinkedHashSet<>();
        source.manifest().requiredBlobs().forEach(d -> required.add(d.digest().toString()));
        children.forEach(c -> c.manifest().requiredBlobs().forEach(d -> required.add(d.digest().toString())));
        transaction.executeWithoutResult(status -> {
            long sourceId = repositories.find(repositoryName(source.repository())).orElseThrow(
                    () -> ApiException.notFound("no repository " + source.repository()));
            // the source's links, locked so that a concurrent delete cannot take a blob from under the copy
            Set<String> present = blobs.lockLinked(sourceId, required);
            for (String digest : required) {
                if (!present.contains(digest)) {
                    throw ApiException.conflict("blob " + digest + " is no longer in " + source.repository());
                }
            }
            long targetId = repositories.findOrCreate(target);
            for (String digest : required) {
                blobs.link(targetId, Digest.parse(digest));
            }
            for (Images.Loaded child : children) {
                insert(targetId, child);
            }
            long id = insert(targetId, source);
            if (tag != null) {
                tags.put(targetId, tag, id);
            }
        });
        return source;
    }

    /** Points {@code tag} at a manifest the repository holds. */
    void tag(Images.Loaded manifest, String tag) {
        transaction.executeWithoutResult(status -> {
            long repositoryId = repositories.find(repositoryName(manifest.repository())).orElseThrow();
            tags.put(repositoryId, tag, insert(repositoryId, manifest));
        });
    }

    private long insert(long repositoryId, Images.Loaded manifest) {
        return manifests.insert(repositoryId, manifest.digest(), manifest.mediaType(), manifest.content(),
                manifest.manifest());
    }

    private static RepositoryName repositoryName(String name) {
        return Images.repositoryName(name);
    }
}
