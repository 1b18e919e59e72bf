package io.stevedore.registry.distribution;

import io.stevedore.oci.Digest;
import io.stevedore.oci.Reference;
import io.stevedore.oci.RepositoryName;
import java.io.IOException;
import java.util.Optional;

/**
 * Content fetched from elsewhere on a miss: the pull-through cache (package {@code proxy})
 * implements it, so that this package needs only these three calls and no knowledge of upstreams.
 */
public interface PullThrough {

    /** Whether the repository belongs to a proxy namespace, where pushes are refused. */
    boolean proxies(RepositoryName repository);

    /**
     * Before a manifest read: brings the tag or digest into the ordinary stores when the cache
     * needs to (a miss, or a tag older than its TTL). Returns the value of a {@code Warning}
     * header when what is served is stale because the upstream failed.
     */
    Optional<String> refreshManifest(Exchange x, Reference reference);

    /**
     * A blob the repository does not hold. True when this call answered the request (streamed
     * from the upstream, or an error); false when there is nothing to do (not a proxy repository)
     * or the blob is now held locally and the caller serves it as usual.
     */
    boolean answeredBlobMiss(Exchange x, Digest digest, boolean head) throws IOException;
}
