package io.stevedore.registry.distribution;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidManifestException;
import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.Manifest;
import io.stevedore.oci.ManifestParser;
import io.stevedore.oci.Reference;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.metadata.BlobRecordStore;
import io.stevedore.registry.metadata.DeadlockRetry;
import io.stevedore.registry.metadata.ManifestStore;
import io.stevedore.registry.metadata.ManifestStore.StoredManifest;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.registry.metadata.TagStore;
import io.stevedore.registry.webhooks.WebhookEvent;
import io.stevedore.registry.webhooks.WebhookEvents;
import io.stevedore.registry.usage.Quotas;
import io.stevedore.registry.retention.ImmutableTags;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/** GET, HEAD, PUT and DELETE of {@code /v2/<name>/manifests/<reference>}. */
@Component
class ManifestHandler {
    /** The spec's suggested limit; larger manifests are refused with 413. */
    static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

    private final RepositoryStore repositories;
    private final BlobRecordStore blobs;
    private final ManifestStore manifests;
    private final TagStore tags;
    private final TransactionTemplate transaction;
    private final AuditLog audit;
    private final WebhookEvents webhooks;
    private final Quotas quotas;
    private final ImmutableTags immutableTags;
    private final PullThrough pullThrough;

    ManifestHandler(RepositoryStore repositories, BlobRecordStore blobs, ManifestStore manifests, TagStore tags,
                    TransactionTemplate transaction, AuditLog audit, WebhookEvents webhooks, Quotas quotas,
                    ImmutableTags immutableTags, PullThrough pullThrough) {
        this.pullThrough = pullThrough;
        this.audit = audit;
        this.webhooks = webhooks;
        this.quotas = quotas;
        this.immutableTags = immutableTags;
        this.repositories = repositories;
        this.blobs = blobs;
        this.manifests = manifests;
        this.tags = tags;
        this.transaction = transaction;
    }

    void get(Exchange x, boolean head) throws IOException {
        Reference ref = reference(x, ErrorCode.MANIFEST_UNKNOWN);
        pullThrough.refreshManifest(x, ref).ifPresent(warning -> x.header("Warning", warning));
        Optional<StoredManifest> found = ref.isDigest()
                ? manifests.findByDigest(x.repository(), ref.digest())
                : manifests.findByTag(x.repository(), ref.tag().value());
        StoredManifest manifest = found.orElseThrow(() -> manifestUnknown(x, ref));
        x.status(HttpServletResponse.SC_OK);
        x.response().setContentType(manifest.mediaType());
        x.header("Docker-Content-Digest", manifest.digest());
        x.header("ETag", "\"" + manifest.digest() + "\"");
        x.response().setContentLength(manifest.content().length);
        if (!head) {
            x.response().getOutputStream().write(manifest.content());
        }
    }

    void put(Exchange x) throws IOException {
        Reference ref = reference(x, ErrorCode.MANIFEST_INVALID);
        byte[] content = readLimited(x);
        String contentType = x.request().getContentType();
        Manifest manifest;
        try {
            manifest = ManifestParser.parse(content, contentType);
        } catch (InvalidManifestException e) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, e.getMessage());
        }
        Digest digest = Digest.of(ref.isDigest() ? ref.digest().algorithm() : "sha256", content);
        if (ref.isDigest() && !ref.digest().equals(digest)) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "the manifest's digest is " + digest
                    + ", not " + ref.digest(), Map.of("expected", ref.digest().toString(), "actual", digest.toString()));
        }
        DeadlockRetry.run(transaction, status -> {
            long repositoryId = repositories.findOrCreate(x.name());
            requireReferencedContent(repositoryId, manifest);
            quotas.admitManifest(x.name(), repositoryId, digest, content, manifest);
            String tag = ref.isDigest() ? null : ref.tag().value();
            boolean immutable = tag != null && immutableTags.covers(x.repository(), tag);
            // In the push's transaction, so there is no entry for a push that failed; and before the
            // manifest's statement, whose usage triggers lock the namespace's figures until the
            // commit: every push into the namespace waits for that lock, so the less that runs after
            // it the more pushes per second a namespace takes (docs/benchmarks.md, issue 13).
            audit.recordRepository(AuditLog.MANIFEST_PUSHED, x.caller().actor(), x.request().getRemoteAddr(),
                    x.repository(), Map.of("reference", ref.toString(), "digest", digest.toString()));
            webhooks.record(WebhookEvent.push(x.caller().actor(), x.repository(), tag, digest.toString(),
                    manifest.mediaType(), content.length));
            // an ordinary tag is written by the manifest's own statement: one round trip fewer
            long id = manifests.insert(repositoryId, digest, manifest.mediaType(), content, manifest,
                    immutable ? null : tag);
            if (immutable) {
                refuse(immutableTags.checkPush(repositoryId, x.repository(), tag, id));
                tags.put(repositoryId, tag, id);
            }
        });
        x.status(HttpServletResponse.SC_CREATED);
        x.header("Location", "/v2/" + x.repository() + "/manifests/" + digest);
        x.header("Docker-Content-Digest", digest.toString());
        if (manifest.subject() != null) {
            x.header("OCI-Subject", manifest.subject().digest().toString());
        }
        x.response().setContentLength(0);
    }

    /**
     * Every blob and child manifest must already be in the repository, so a pull of what we
     * accept never finds something missing. The rows found are locked until the transaction ends.
     */
    private void requireReferencedContent(long repositoryId, Manifest manifest) {
        List<String> required = manifest.requiredBlobs().map(d -> d.digest().toString()).distinct().toList();
        requireAll(required, blobs.lockLinked(repositoryId, required),
                "manifest references a blob unknown to the repository");
        List<String> children = manifest.manifests().stream().map(Descriptor::digest).map(Digest::toString)
                .distinct().toList();
        requireAll(children, manifests.lockExisting(repositoryId, children),
                "index references a manifest unknown to the repository");
    }

    private static void requireAll(List<String> digests, Set<String> present, String message) {
        for (String digest : digests) {
            if (!present.contains(digest)) {
                throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN, message, Map.of("digest", digest));
            }
        }
    }

    private static byte[] readLimited(Exchange x) throws IOException {
        if (x.contentLength() > MAX_MANIFEST_BYTES) {
            throw tooLarge();
        }
        try (InputStream in = x.request().getInputStream()) {
            byte[] content = in.readNBytes(MAX_MANIFEST_BYTES + 1);
            if (content.length > MAX_MANIFEST_BYTES) {
                throw tooLarge();
            }
            return content;
        }
    }

    private static RegistryException tooLarge() {
        return new RegistryException(ErrorCode.MANIFEST_INVALID, 413,
                "manifest is larger than the " + MAX_MANIFEST_BYTES + " byte limit", null, Map.of());
    }

    /** Deleting by digest removes the manifest and its tags; by tag, only the tag. */
    void delete(Exchange x) {
        Reference ref = reference(x, ErrorCode.MANIFEST_UNKNOWN);
        DeadlockRetry.run(transaction, status -> {
            boolean deleted;
            if (ref.isDigest()) {
                refuse(immutableTags.checkManifestDelete(x.repository(), ref.digest()));
                deleted = manifests.delete(x.repository(), ref.digest());
            } else {
                refuse(immutableTags.checkTagDelete(x.repository(), ref.tag().value()));
                deleted = tags.delete(x.repository(), ref.tag().value());
            }
            if (!deleted) {
                throw manifestUnknown(x, ref);
            }
            audit.recordRepository(ref.isDigest() ? AuditLog.MANIFEST_DELETED : AuditLog.TAG_DELETED,
                    x.caller().actor(), x.request().getRemoteAddr(), x.repository(),
                    Map.of("reference", ref.toString()));
            webhooks.record(ref.isDigest()
                    ? WebhookEvent.manifestDeleted(x.caller().actor(), x.repository(), ref.digest().toString())
                    : WebhookEvent.tagDeleted(x.caller().actor(), x.repository(), ref.tag().value()));
        });
        x.status(HttpServletResponse.SC_ACCEPTED);
        x.response().setContentLength(0);
    }

    /** Immutable tags: 403 DENIED with the rule's message, which docker and skopeo print as it is. */
    private static void refuse(Optional<ImmutableTags.Refusal> refusal) {
        refusal.ifPresent(r -> {
            throw new RegistryException(ErrorCode.DENIED, r.message());
        });
    }

    private static RegistryException manifestUnknown(Exchange x, Reference ref) {
        return new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest unknown to registry",
                Map.of("name", x.repository(), "reference", ref.toString()));
    }

    /** A digest that is malformed is DIGEST_INVALID; a tag that is malformed gets {@code badTag}. */
    private static Reference reference(Exchange x, ErrorCode badTag) {
        String text = x.reference();
        if (Digest.looksLikeDigest(text)) {
            return new Reference(null, Exchange.digest(text));
        }
        try {
            return Reference.parse(text);
        } catch (InvalidNameException e) {
            throw new RegistryException(badTag, e.getMessage());
        }
    }
}
