package io.stevedore.registry.proxy;

import io.stevedore.oci.Digest;
import io.stevedore.oci.Reference;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.distribution.Exchange;
import io.stevedore.registry.distribution.PullThrough;
import java.io.IOException;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** The distribution routes' view of the cache: proxy namespaces go to their upstream, others pass. */
@Component
class PullThroughCache implements PullThrough {
    private final Upstreams upstreams;
    private final ManifestCache manifests;
    private final BlobCache blobs;

    PullThroughCache(Upstreams upstreams, ManifestCache manifests, BlobCache blobs) {
        this.upstreams = upstreams;
        this.manifests = manifests;
        this.blobs = blobs;
    }

    @Override
    public boolean proxies(RepositoryName repository) {
        return upstreams.isProxy(repository);
    }

    @Override
    public Optional<String> refreshManifest(Exchange x, Reference reference) {
        Optional<Upstreams.Target> target = upstreams.resolve(x.name());
        if (target.isEmpty()) {
            return Optional.empty();
        }
        return manifests.refresh(target.get(), x.name(), reference,
                new ManifestCache.Requester(x.caller().actor(), x.request().getRemoteAddr()));
    }

    @Override
    public boolean answeredBlobMiss(Exchange x, Digest digest, boolean head) throws IOException {
        Optional<Upstreams.Target> target = upstreams.resolve(x.name());
        return target.isPresent() && blobs.answerMiss(target.get(), x, digest, head);
    }
}
