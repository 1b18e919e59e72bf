package io.stevedore.registry.usage;

import io.stevedore.oci.Digest;
import io.stevedore.oci.Manifest;
import io.stevedore.oci.RepositoryName;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Holds pushes to their namespace's quota. The exact check is at manifest PUT, in the push's
 * transaction and under the namespace's lock: what the manifest newly adds to the namespace
 * (its own bytes and the blobs none of the namespace's repositories holds yet) on top of what it
 * holds, so concurrent pushes into one namespace cannot jointly exceed it. A refused manifest
 * leaves nothing behind but unreferenced blobs, which garbage collection frees. Uploads are
 * refused only once the namespace is full, so that a namespace over quota cannot fill the store
 * with blobs no manifest will ever be allowed to reference.
 */
@Component
public class Quotas {
    private final UsageStore usage;

    public Quotas(UsageStore usage) {
        this.usage = usage;
    }

    /** The namespace of a repository: its first path component. */
    public static String namespaceOf(RepositoryName repository) {
        String name = repository.value();
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(0, slash);
    }

    /**
     * Call in the push's transaction, after its content rows are locked and before the manifest
     * is stored. A manifest that adds nothing (a new tag for what the namespace holds) passes
     * even over quota.
     *
     * @throws QuotaExceededException if the namespace has a quota the manifest would exceed
     */
    public void admitManifest(RepositoryName repository, long repositoryId, Digest digest, byte[] content,
                              Manifest manifest) {
        String namespace = namespaceOf(repository);
        if (usage.quota(namespace).isEmpty()) {
            return;
        }
        long used = usage.lockNamespace(namespace, repositoryId, digest.toString());
        // read again under the lock: a site admin may have changed it meanwhile
        Optional<Long> quota = usage.quota(namespace);
        if (quota.isEmpty()) {
            return;
        }
        List<String> blobs = manifest.requiredBlobs().map(d -> d.digest().toString()).distinct().toList();
        long adding = usage.bytesNewTo(namespace, digest.toString(), content.length, blobs);
        if (adding > 0 && used + adding > quota.get()) {
            throw new QuotaExceededException(namespace, quota.get(), used, adding);
        }
    }

    /** @throws QuotaExceededException if the repository's namespace is at or over its quota */
    public void admitUpload(RepositoryName repository) {
        usage.limitedNamespace(namespaceOf(repository))
                .filter(full -> full.usageBytes() >= full.quotaBytes())
                .ifPresent(full -> {
                    throw uploadRefused(full.namespace(), full.usageBytes(), full.quotaBytes());
                });
    }

    /**
     * The refusal of an upload into a namespace at or over its quota, for a check made elsewhere
     * (metadata.UploadStore#start checks it in the statement that starts the session).
     */
    public static QuotaExceededException uploadRefused(String namespace, long usageBytes, long quotaBytes) {
        return new QuotaExceededException(namespace, quotaBytes, usageBytes, null);
    }
}
