package io.stevedore.registry.images;

import io.stevedore.oci.Digest;
import io.stevedore.oci.Manifest;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.metadata.ManifestStore;
import io.stevedore.registry.metadata.TagStore;
import io.stevedore.registry.retention.ImmutableTags;
import io.stevedore.registry.usage.QuotaExceededException;
import io.stevedore.registry.usage.Quotas;
import io.stevedore.registry.webhooks.WebhookEvent;
import io.stevedore.registry.webhooks.WebhookEvents;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The images API's writes (tag, copy, import, delete) held to the rules a push or delete through
 * /v2/ is held to: quotas, immutable tags, and webhook events. Without this a tag set or deleted
 * in the web UI slipped past an immutable rule, and a copy into a namespace past its quota. Call
 * every method in the write's transaction.
 */
@Component
class ImageWrites {
    private final ManifestStore manifests;
    private final TagStore tags;
    private final Quotas quotas;
    private final ImmutableTags immutableTags;
    private final WebhookEvents webhooks;

    ImageWrites(ManifestStore manifests, TagStore tags, Quotas quotas, ImmutableTags immutableTags,
                WebhookEvents webhooks) {
        this.manifests = manifests;
        this.tags = tags;
        this.quotas = quotas;
        this.immutableTags = immutableTags;
        this.webhooks = webhooks;
    }

    /** Stores the manifest (untagged) if its namespace's quota allows; returns its row id. */
    long store(long repositoryId, RepositoryName repository, Digest digest, String mediaType, byte[] content,
               Manifest manifest) {
        try {
            quotas.admitManifest(repository, repositoryId, digest, content, manifest);
        } catch (QuotaExceededException e) {
            throw ApiException.forbidden(e.getMessage());
        }
        return manifests.insert(repositoryId, digest, mediaType, content, manifest);
    }

    /** Points the tag at the stored manifest unless an immutable rule refuses it, and tells the webhooks. */
    void tag(long repositoryId, RepositoryName repository, String tag, long manifestId, Digest digest,
             String mediaType, long size, String actor) {
        refuse(immutableTags.putTag(repositoryId, repository.value(), tag, manifestId));
        webhooks.record(WebhookEvent.push(actor, repository.value(), tag, digest.toString(), mediaType, size));
    }

    /** Tells the webhooks of a manifest stored without a tag. */
    void pushedUntagged(RepositoryName repository, Digest digest, String mediaType, long size, String actor) {
        webhooks.record(WebhookEvent.push(actor, repository.value(), null, digest.toString(), mediaType, size));
    }

    boolean deleteTag(String repository, String tag, String actor) {
        refuse(immutableTags.checkTagDelete(repository, tag));
        boolean deleted = tags.delete(repository, tag);
        if (deleted) {
            webhooks.record(WebhookEvent.tagDeleted(actor, repository, tag));
        }
        return deleted;
    }

    boolean deleteManifest(String repository, Digest digest, String actor) {
        refuse(immutableTags.checkManifestDelete(repository, digest));
        boolean deleted = manifests.delete(repository, digest);
        if (deleted) {
            webhooks.record(WebhookEvent.manifestDeleted(actor, repository, digest.toString()));
        }
        return deleted;
    }

    private static void refuse(Optional<ImmutableTags.Refusal> refusal) {
        refusal.ifPresent(r -> {
            throw ApiException.forbidden(r.message());
        });
    }
}
