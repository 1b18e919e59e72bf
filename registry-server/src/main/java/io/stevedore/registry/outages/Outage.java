package io.stevedore.registry.outages;

import java.util.Map;

/**
 * A request that failed because something the registry needs is down or full, not because of the
 * request or a bug: answered with {@code status} and {@code message}, and a Retry-After telling
 * clients when trying again makes sense.
 */
public record Outage(int status, String message, long retryAfterSeconds) {

    /** The response headers an outage adds. */
    public Map<String, String> headers() {
        return Map.of("Retry-After", Long.toString(retryAfterSeconds));
    }
}
