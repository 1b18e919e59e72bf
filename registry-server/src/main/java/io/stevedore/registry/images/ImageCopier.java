package io.stevedore.registry.images;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.Reference;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
    static final int MAX_REFERRERS = 256;

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

    /** The copied manifest, and how many referrers came with it. */
    record Copied(Images.Loaded manifest, int referrers) {
    }

    /** A manifest the referrers brought along: a referrer, or a child of a referrer that is an index. */
    private record Found(Images.Loaded manifest, boolean referrer) {
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
        List<Found> found = withReferrers ? referrersOf(source, children) : List.of();
        AtomicInteger referrers = new AtomicInteger();
        DeadlockRetry.run(transaction, status -> {
            long sourceId = repositories.find(repositoryName(source.repository())).orElseThrow(
                    () -> ApiException.notFound("no repository " + source.repository()));
            // Referrers deleted from the source since they were read stay behind; the others are
            // locked against deletion until the copy commits, as their blobs are below.
            Set<String> stillThere = manifests.lockExisting(sourceId,
                    found.stream().map(f -> f.manifest().digest().toString()).toList());
            List<Found> kept = found.stream().filter(f -> stillThere.contains(f.manifest().digest().toString()))
                    .toList();
            Set<String> required = Stream.of(Stream.of(source), children.stream(), kept.stream().map(Found::manifest))
                    .flatMap(group -> group)
                    .flatMap(m -> m.manifest().requiredBlobs())
                    .map(d -> d.digest().toString())
                    .collect(Collectors.toCollection(LinkedHashSet::new));
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
            long keptReferrers = kept.stream().filter(Found::referrer).count();
            for (Found f : kept) {
                Images.Loaded manifest = f.manifest();
                try {
                    insert(targetId, target, manifest);
                } catch (ApiException e) {
                    // the quota has room for the image but not for its referrers: say how to copy it alone
                    throw new ApiException(e.status(), e.getMessage() + "; with \"referrers\": false the image is"
                            + " copied without its " + keptReferrers + " referrers", e.headers());
                }
                if (f.referrer()) { // an event for each, as its push to /v2 would have sent
                    writes.pushedUntagged(target, manifest.digest(), manifest.mediaType(), manifest.content().length,
                            actor);
                }
            }
            referrers.set((int) keptReferrers);
        });
        return new Copied(source, referrers.get());
    }

    /**
     * The source repository's referrers of the manifest and of its children, and theirs in turn
     * (a signature of an SBOM), breadth first. A referrer that is an index comes with its children,
     * whose referrers are looked for too; one with a child that is gone stays behind, as does a
     * referrer deleted since it was listed.
     */
    private List<Found> referrersOf(Images.Loaded source, List<Images.Loaded> children) {
        Deque<Digest> subjects = new ArrayDeque<>();
        subjects.add(source.digest());
        children.forEach(c -> subjects.add(c.digest()));
        Set<Digest> collected = new HashSet<>(subjects);
        List<Found> found = new ArrayList<>();
        int referrers = 0;
        while (!subjects.isEmpty()) {
            for (ManifestStore.Referrer listed : manifests.referrers(source.repository(), subjects.poll(), null)) {
                Digest digest = Digest.parse(listed.digest());
                if (!collected.add(digest)) {
                    continue;
                }
                Optional<Images.Loaded> referrer = load(source, digest);
                if (referrer.isEmpty()) {
                    continue;
                }
                List<Descriptor> childDescriptors = referrer.get().manifest().manifests();
                List<Images.Loaded> itsChildren = new ArrayList<>();
                for (Descriptor child : childDescriptors) {
                    load(source, child.digest()).ifPresent(itsChildren::add);
                }
                if (itsChildren.size() < childDescriptors.size()) {
                    continue;
                }
                if (++referrers > MAX_REFERRERS) {
                    throw ApiException.conflict(source.repository() + "@" + source.digest() + " has more than "
                            + MAX_REFERRERS + " referrers; copy it with \"referrers\": false");
                }
                for (Images.Loaded child : itsChildren) {
                    if (collected.add(child.digest())) {
                        found.add(new Found(child, false));
                        subjects.add(child.digest());
                    }
                }
                found.add(new Found(referrer.get(), true));
                subjects.add(digest);
            }
        }
        return found;
    }

    private Optional<Images.Loaded> load(Images.Loaded source, Digest digest) {
        return images.find(source.repository(), new Reference(null, digest));
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
