package io.stevedore.registry.images;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.metadata.BlobRecordStore;
import io.stevedore.registry.metadata.DeadlockRetry;
import io.stevedore.registry.metadata.ManifestStore;
import io.stevedore.registry.metadata.RepositoryStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Tags and copies images inside the registry: rows only. A copy links the source's blobs into the
 * target repository and inserts the same manifest bytes there (an index with every child), in one
 * transaction, so no byte is read or written in the blob store and the digests stay the same.
 * Unless asked not to, it brings the image's referrers along (signatures, SBOMs, attestations:
 * manifests whose subject is the image, one of its platforms or another such referrer), so that a
 * signature verifies on the copy as on the original.
 */
@Component
class ImageCopier {
    /** Referrers one copy brings at most; beyond, the copy is refused rather than cut short. */
    static final int MAX_REFERRERS = 1_000;

    private final Images images;
    private final ManifestStore manifests;
    private final RepositoryStore repositories;
    private final BlobRecordStore blobs;
    private final ImageWrites writes;
    private final TransactionTemplate transaction;

    ImageCopier(Images images, ManifestStore manifests, RepositoryStore repositories, BlobRecordStore blobs,
                ImageWrites writes, TransactionTemplate transaction) {
        this.images = images;
        this.manifests = manifests;
        this.repositories = repositories;
        this.blobs = blobs;
        this.writes = writes;
        this.transaction = transaction;
    }

    /** What a copy stored besides the manifest itself. */
    record Copied(Images.Loaded manifest, int referrers) {
    }

    /**
     * Copies the manifest (with an index's children, and with its referrers if {@code withReferrers})
     * from {@code source} into {@code target}, tagging it {@code tag} there unless null, as
     * {@code actor}.
     */
    Copied copy(Images.Loaded source, RepositoryName target, String tag, boolean withReferrers, String actor) {
        List<Images.Loaded> children = new ArrayList<>();
        for (Descriptor child : source.manifest().manifests()) {
            children.add(images.load(source.repository(), child.digest()));
        }
        List<Images.Loaded> referrers = withReferrers ? referrersOf(source, children) : List.of();
        Set<String> required = new LinkedHashSet<>();
        source.manifest().requiredBlobs().forEach(d -> required.add(d.digest().toString()));
        children.forEach(c -> c.manifest().requiredBlobs().forEach(d -> required.add(d.digest().toString())));
        referrers.forEach(r -> r.manifest().requiredBlobs().forEach(d -> required.add(d.digest().toString())));
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
            // after their subjects, each index's children before it (the order referrersOf found them in)
            for (Images.Loaded referrer : referrers) {
                insert(targetId, target, referrer);
            }
        });
        return new Copied(source, referrers.size());
    }

    /**
     * The source repository's referrers of the manifest and of its children, and theirs in turn
     * (a signature of an SBOM), breadth first; a referrer that is an index comes after its children.
     */
    private List<Images.Loaded> referrersOf(Images.Loaded source, List<Images.Loaded> children) {
        Deque<Digest> subjects = new ArrayDeque<>();
        subjects.add(source.digest());
        children.forEach(c -> subjects.add(c.digest()));
        Set<Digest> seen = new HashSet<>(subjects);
        List<Images.Loaded> found = new ArrayList<>();
        while (!subjects.isEmpty()) {
            for (ManifestStore.Referrer r : manifests.referrers(source.repository(), subjects.poll(), null)) {
                Digest digest = Digest.parse(r.digest());
                if (!seen.add(digest)) {
                    continue;
                }
                Images.Loaded referrer = images.load(source.repository(), digest);
                for (Descriptor child : referrer.manifest().manifests()) {
                    if (seen.add(child.digest())) {
                        found.add(images.load(source.repository(), child.digest()));
                    }
                }
                found.add(referrer);
                subjects.add(digest);
                if (found.size() > MAX_REFERRERS) {
                    throw ApiException.conflict(source.repository() + "@" + source.digest() + " has more than "
                            + MAX_REFERRERS + " referrers; copy it with \"referrers\": false");
                }
            }
        }
        return found;
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
