package io.stevedore.registry.distribution;

import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Tomcat serves requests on its own pool of platform threads ({@code server.tomcat.threads.max},
 * 200 by default), although the rest of the registry runs on virtual threads
 * ({@code spring.threads.virtual.enabled}: scheduled jobs, async requests, deliveries).
 *
 * <p>Why: a registry's requests are short and blocking, each one or more PostgreSQL round trips.
 * On a virtual thread every such read parks the thread, registers the socket with the JDK's poller
 * and is resumed through the scheduler's queue; a platform thread just blocks in the kernel. In
 * alternated runs of the benchmark (docs/benchmarks.md, "Platform threads for requests") that
 * cost 13-19 % more of the JVM's CPU per request, in pushes, manifest requests and tag listings. What the pool's bound costs
 * (a request beyond it queues) matters only for requests that stay long: those that wait on
 * purpose (a build's log followed, a worker's lease) go async onto virtual threads and give their
 * request thread back (BuildsApi, WorkerApi).
 *
 * <p>Except on a replica with a pull-through cache ({@code registry.proxy.upstreams}): there a
 * pull may wait on another registry for as long as a large layer takes to fetch, or for the
 * upstream's timeout when it stalls, and many pulls of a new base image wait at once. A bounded
 * pool would then stop every other request, health probes included; such a replica keeps virtual
 * request threads, and its requests cost what they did before.
 *
 * <p>Spring Boot's customizer for virtual threads (order 1) gives Tomcat a virtual-thread executor;
 * this one runs after it and takes it away again, so that Tomcat creates its own pool at start.
 */
@Component
class PlatformRequestThreads implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {
    /** Every upstream has a name (ProxyProperties); read from the environment, so nothing starts early. */
    static final String FIRST_UPSTREAM = "registry.proxy.upstreams[0].name";

    private final Environment environment;

    PlatformRequestThreads(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void customize(ConfigurableTomcatWebServerFactory factory) {
        if (!environment.containsProperty(FIRST_UPSTREAM)) {
            factory.addProtocolHandlerCustomizers(protocol -> protocol.setExecutor(null));
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
