package io.stevedore.registry.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * {@code stevedore.proxy.hits}, {@code .misses} and {@code .upstream.errors}, tagged with the
 * upstream (its namespace) and the kind of content ({@code manifest}, {@code blob}).
 */
@Component
public class ProxyMetrics {
    private final MeterRegistry registry;

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Served from the cache without fetching (a fresh tag, a digest or blob already held, or a revalidated tag). */
    void hit(String upstream, String kind) {
        counter("stevedore.proxy.hits", upstream, kind).increment();
    }

    /** Fetched from the upstream. */
    void miss(String upstream, String kind) {
        counter("stevedore.proxy.misses", upstream, kind).increment();
    }

    /** The upstream failed: 429, 5xx, no answer, a broken or wrong body. */
    void upstreamError(String upstream, String kind) {
        counter("stevedore.proxy.upstream.errors", upstream, kind).increment();
    }

    private Counter counter(String name, String upstream, String kind) {
        return Counter.builder(name).tag("upstream", upstream).tag("kind", kind).register(registry);
    }
}
