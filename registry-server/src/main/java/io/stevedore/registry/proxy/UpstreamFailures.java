package io.stevedore.registry.proxy;

import io.stevedore.client.RegistryAuthenticationException;
import io.stevedore.client.RegistryClientException;
import io.stevedore.client.RegistryUnreachableException;
import io.stevedore.registry.distribution.ErrorCode;
import io.stevedore.registry.distribution.RegistryException;
import java.util.Map;

/** What the client of the cache is told when the upstream failed and nothing cached can stand in. */
final class UpstreamFailures {
    private UpstreamFailures() {
    }

    /**
     * The upstream's failure as an OCI error: 404 stays 404 ({@code notFound}), 429 stays 429, and
     * everything else (5xx, refused credentials, no answer, a timeout) is 503 UNAVAILABLE; the
     * message names the upstream and what it said.
     */
    static RegistryException toError(Upstreams.Target target, RegistryClientException e, ErrorCode notFound) {
        Map<String, String> detail = Map.of("upstream", target.upstream().namespace(),
                "repository", target.remote().value());
        if (e.status() == 404) {
            return new RegistryException(notFound, "not found upstream (" + target.describe() + "): "
                    + e.getMessage(), detail);
        }
        if (e.status() == 429) {
            return new RegistryException(ErrorCode.TOOMANYREQUESTS, "the upstream " + target.describe()
                    + " is rate limiting and this content is not cached: " + e.getMessage(), detail);
        }
        String why = e instanceof RegistryUnreachableException ? "is unreachable"
                : e instanceof RegistryAuthenticationException ? "refused the cache's credentials"
                : "failed (HTTP " + e.status() + ")";
        return new RegistryException(ErrorCode.UNAVAILABLE, "the upstream " + target.describe() + " " + why
                + " and this content is not cached: " + e.getMessage(), detail);
    }

    /** A body the upstream sent that is not what was asked for (a wrong digest, a broken manifest). */
    static RegistryException badContent(Upstreams.Target target, String what) {
        return new RegistryException(ErrorCode.UNAVAILABLE, "the upstream " + target.describe() + " sent " + what,
                Map.of("upstream", target.upstream().namespace(), "repository", target.remote().value()));
    }
}
