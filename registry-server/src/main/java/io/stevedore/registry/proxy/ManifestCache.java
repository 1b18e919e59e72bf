package io.stevedore.registry.proxy;

import io.stevedore.client.ManifestResponse;
import io.stevedore.client.RegistryClientException;
import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidManifestException;
import io.stevedore.oci.Manifest;
import io.stevedore.oci.ManifestParser;
import io.stevedore.oci.Reference;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.distribution.ErrorCode;
import io.stevedore.registry.metadata.ManifestStore;
import io.stevedore.registry.metadata.ManifestStore.StoredManifest;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.registry.metadata.TagStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Manifests of proxy repositories: by tag, served from the local stores while the tag's last
 * check is younger than the upstream's TTL, else asked of the upstream (a HEAD when a copy is
 * cached, a GET when it is new or changed); by digest, fetched only when not held. What is
 * fetched is verified against its digest and stored through the ordinary stores, so that a pull
 * then reads it like pushed content. When the upstream fails, a cached copy is served stale.
 */
@Component
class ManifestCache {
    private static final Logger log = LoggerFactory.getLogger(ManifestCache.class);
    static final String STALE_WARNING = "110 - \"Response is Stale\"";
    static final String FETCHED = "proxy.fetched";

    private final RepositoryStore repositories;
    private final ManifestStore manifests;
    private final TagStore tags;
    private final ProxyStore proxy;
    private final TransactionTemplate transaction;
    private final AuditLog audit;
    private final ProxyMetrics metrics;
    private final Clock clock;

    ManifestCache(RepositoryStore repositories, ManifestStore manifests, TagStore tags, ProxyStore proxy,
                  TransactionTemplate transaction, AuditLog audit, ProxyMetrics metrics) {
        this.repositories = repositories;
        this.manifests = manifests;
        this.tags = tags;
        this.proxy = proxy;
        this.transaction = transaction;
        this.audit = audit;
        this.metrics = metrics;
        this.clock = Clock.systemUTC();
    }

    /** Who asked, for the audit rows of fetches. */
    record Requester(String actor, String address) {
    }

    /** See {@link io.stevedore.registry.distribution.PullThrough#refreshManifest}. */
    Optional<String> refresh(Upstreams.Target target, RepositoryName name, Reference reference, Requester requester) {
        String upstream = target.upstream().namespace();
        if (reference.isDigest()) {
            if (manifests.findByDigest(name.value(), reference.digest()).isPresent()) {
                metrics.hit(upstream, "manifest");
                return Optional.empty();
            }
            try {
                fetch(target, name, reference.digest().toString(), null, requester);
            } catch (RegistryClientException e) {
                metrics.upstreamError(upstream, "manifest");
                if (e.status() == 404) {
                    return Optional.empty(); // the ordinary MANIFEST_UNKNOWN follows
                }
                throw UpstreamFailures.toError(target, e, ErrorCode.MANIFEST_UNKNOWN);
            }
            return Optional.empty();
        }
        String tag = reference.tag().value();
        Optional<StoredManifest> cached = manifests.findByTag(name.value(), tag);
        if (cached.isPresent() && fresh(target, name, tag)) {
            metrics.hit(upstream, "manifest");
            return Optional.empty();
        }
        try {
            if (cached.isPresent()) {
                Optional<Descriptor> current = target.upstream().client().headManifest(target.remote(), tag);
                if (current.isEmpty()) {
                    return stale(target, name, tag, "the upstream no longer has the tag");
                }
                if (current.get().digest().toString().equals(cached.get().digest())) {
                    proxy.checked(name.value(), tag);
                    metrics.hit(upstream, "manifest");
                    return Optional.empty();
                }
                fetch(target, name, current.get().digest().toString(), tag, requester);
            } else {
                fetch(target, name, tag, tag, requester);
            }
            return Optional.empty();
        } catch (RegistryClientException e) {
            metrics.upstreamError(upstream, "manifest");
            if (cached.isPresent()) {
                return stale(target, name, tag, e.getMessage());
            }
            if (e.status() == 404) {
                return Optional.empty(); // the ordinary MANIFEST_UNKNOWN follows
            }
            throw UpstreamFailures.toError(target, e, ErrorCode.MANIFEST_UNKNOWN);
        }
    }

    private boolean fresh(Upstreams.Target target, RepositoryName name, String tag) {
        Optional<Instant> checked = proxy.checkedAt(name.value(), tag);
        return checked.isPresent() && checked.get().plus(target.upstream().tagTtl()).isAfter(clock.instant());
    }

    private Optional<String> stale(Upstreams.Target target, RepositoryName name, String tag, String why) {
        log.warn("Serving the cached {}:{} stale: the upstream {} failed: {}", name, tag, target.describe(), why);
        return Optional.of(STALE_WARNING);
    }

    /**
     * GETs the manifest ({@code reference}: a tag, or a digest the client verifies the bytes
     * against) and stores it, tagged {@code tag} unless null, in one transaction.
     */
    private void fetch(Upstreams.Target target, RepositoryName name, String reference, String tag,
                       Requester requester) {
        ManifestResponse response = target.upstream().client().fetchManifest(target.remote(), reference);
        Manifest parsed;
        try {
            parsed = ManifestParser.parse(response.body(), response.mediaType());
        } catch (InvalidManifestException e) {
            metrics.upstreamError(target.upstream().namespace(), "manifest");
            throw UpstreamFailures.badContent(target, "a manifest this registry cannot store: " + e.getMessage());
        }
        Digest digest = response.digest();
        transaction.executeWithoutResult(status -> {
            long repositoryId = repositories.findOrCreate(name);
            proxy.markCached(repositoryId, target.upstream().namespace());
            long id = manifests.insert(repositoryId, digest, parsed.mediaType(), response.body(), parsed);
            if (tag != null) {
                tags.put(repositoryId, tag, id);
                proxy.checked(repositoryId, tag);
            }
            audit.recordRepository(FETCHED, requester.actor(), requester.address(), name.value(),
                    Map.of("reference", reference, "digest", digest.toString(),
                            "upstream", target.upstream().namespace(), "kind", "manifest"));
        });
        metrics.miss(target.upstream().namespace(), "manifest");
        log.info("Fetched manifest {}@{} from the upstream {}", name, digest, target.describe());
    }
}
