package io.stevedore.registry.images;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.metadata.BlobRecordStore;
import io.stevedore.registry.metadata.DeadlockRetry;
import io.stevedore.registry.metadata.RepositoryStore;
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
    private final ImageWrites writes;
    private final TransactionTemplate transaction;

    ImageCopier(Images images, RepositoryStore repositories, BlobRecordStore blobs, ImageWrites writes,
                TransactionTemplate transaction) {
        this.images = images;
        this.repositories = repositories;
        this.blobs = blobs;
        this.writes = writes;
        this.transaction = transaction;
    }

    /**
     * Copies the manifest (with an index's children) from {@code source} into {@code target},
     * tagging it {@code tag} there unless null, as {@code actor}; returns what was copied.
     */
    Images.Loaded copy(Images.Loaded source, RepositoryName target, String tag, String actor) {
        List<Images.Loaded> children = new ArrayList<>();
        for (Descriptor child : source.manifest().manifests()) {
            children.add(images.load(source.repository(), child.digest()));
        }
        Set<String> required = new LinkedHashSet<>();
        source.manifest().requiredBlobs().forEach(d -> required.add(d.digest().toString()));
        children.forEach(c -> c.manifest().requiredBlobs().forEach(d -> required.add(d.digest().toString())));
        DeadlockRetry.run(transaction, status -> {
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
                insert(targetId, target, child);
            }
            long id = insert(targetId, target, source);
            if (tag != null) {
                writes.tag(targetId, target, tag, id, source.digest(), source.mediaType(), source.content().length,
                        actor);
            } else {
                writes.pushedUntagged(target, source.digest(), source.mediaType(), source.content().length, actor);
            }
        });
        return source;
    }

    /** Points {@code tag} at a manifest the repository holds, as {@code actor}. */
    void tag(Images.Loaded manifest, String tag, String actor) {
        DeadlockRetry.run(transaction, status -> {
            RepositoryName repository = repositoryName(manifest.repository());
            long repositoryId = repositories.find(repository).orElseThrow();
            writes.tag(repositoryId, repository, tag, insert(repositoryId, repository, manifest), manifest.digest(),
                    manifest.mediaType(), manifest.content().length, actor);
        });
    }

    private long insert(long repositoryId, RepositoryName repository, Images.Loaded manifest) {
        return writes.store(repositoryId, repository, manifest.digest(), manifest.mediaType(), manifest.content(),
                manifest.manifest());
    }

    private static RepositoryName repositoryName(String name) {
        return Images.repositoryName(name);
    }
}
