package io.stevedore.registry.proxy;

import io.stevedore.client.RegistryClient;
import io.stevedore.client.RegistryCredentials;
import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.access.PublicNamespaces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The configured upstreams, each with its client, and the mapping of a local repository name
 * ({@code hub/library/alpine}) to its upstream and the name there ({@code library/alpine}).
 */
@Component
public class Upstreams implements PublicNamespaces, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Upstreams.class);
    private static final Set<String> DOCKER_HUB_HOSTS = Set.of("docker.io", "index.docker.io", "registry-1.docker.io");

    /** One upstream as the cache uses it. */
    public record Upstream(String namespace, URI url, Duration tagTtl, boolean libraryPrefix, boolean anonymousPull,
                           RegistryClient client) {
    }

    /** A local repository in a proxy namespace: its upstream, and its name there. */
    public record Target(Upstream upstream, RepositoryName remote) {
        String describe() {
            return upstream.namespace() + " (" + upstream.url() + ", " + remote + ")";
        }
    }

    private final List<Upstream> upstreams;

    public Upstreams(ProxyProperties properties) {
        List<Upstream> built = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ProxyProperties.Upstream settings : properties.upstreams()) {
            Upstream upstream = build(settings);
            if (!names.add(upstream.namespace())) {
                throw new IllegalStateException("registry.proxy.upstreams: namespace '" + upstream.namespace()
                        + "' is configured twice");
            }
            built.add(upstream);
            log.info("Pull-through cache: {}/ serves {} (tag TTL {}{}{})", upstream.namespace(), upstream.url(),
                    upstream.tagTtl(), settings.username() == null ? ", anonymous" : ", as " + settings.username(),
                    upstream.anonymousPull() ? ", anyone may pull" : "");
        }
        this.upstreams = List.copyOf(built);
    }

    private static Upstream build(ProxyProperties.Upstream settings) {
        String name = settings.name();
        if (name == null || name.isBlank() || name.contains("/")) {
            throw new IllegalStateException("registry.proxy.upstreams: each needs a name, one path component"
                    + " (the namespace it is served under), not '" + name + "'");
        }
        try {
            RepositoryName.of(name);
        } catch (InvalidNameException e) {
            throw new IllegalStateException("registry.proxy.upstreams: '" + name + "' is no valid namespace: "
                    + e.getMessage());
        }
        URI url = settings.url();
        if (url == null || url.getHost() == null
                || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
            throw new IllegalStateException("registry.proxy.upstreams: '" + name
                    + "' needs a url such as https://registry-1.docker.io, not '" + url + "'");
        }
        String host = url.getHost().toLowerCase(Locale.ROOT);
        boolean dockerHub = DOCKER_HUB_HOSTS.contains(host);
        String registry = dockerHub ? "docker.io" : url.getPort() < 0 ? host : host + ":" + url.getPort();
        RegistryClient.Builder client = RegistryClient.builder(registry)
                .insecure("http".equals(url.getScheme()))
                .userAgent("stevedore-pull-through-cache/0.1")
                .connectTimeout(settings.timeout())
                .answerTimeout(settings.timeout())
                // One try: with a cached copy at hand, serving it beats waiting out retries.
                .attempts(1);
        secret(settings).ifPresent(secret -> client.credentials(RegistryCredentials.basic(settings.username(), secret)));
        boolean library = settings.libraryPrefix() != null ? settings.libraryPrefix() : dockerHub;
        return new Upstream(name, url, settings.tagTtl(), library, settings.anonymousPull(), client.build());
    }

    private static Optional<String> secret(ProxyProperties.Upstream settings) {
        if (settings.username() == null || settings.username().isBlank()) {
            return Optional.empty();
        }
        if (settings.password() != null) {
            return Optional.of(settings.password());
        }
        if (settings.passwordFile() == null) {
            throw new IllegalStateException("registry.proxy.upstreams: '" + settings.name()
                    + "' has a username but neither password nor password-file");
        }
        try {
            return Optional.of(Files.readString(settings.passwordFile()).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("registry.proxy.upstreams: cannot read the password file of '"
                    + settings.name() + "'", e);
        }
    }

    /** The upstream serving the repository, or empty for an ordinary repository. */
    public Optional<Target> resolve(RepositoryName repository) {
        String name = repository.value();
        int slash = name.indexOf('/');
        if (slash < 0 || upstreams.isEmpty()) {
            return Optional.empty();
        }
        String namespace = name.substring(0, slash);
        String rest = name.substring(slash + 1);
        for (Upstream upstream : upstreams) {
            if (upstream.namespace().equals(namespace)) {
                String remote = upstream.libraryPrefix() && !rest.contains("/") ? "library/" + rest : rest;
                return Optional.of(new Target(upstream, RepositoryName.of(remote)));
            }
        }
        return Optional.empty();
    }

    public boolean isProxy(RepositoryName repository) {
        return resolve(repository).isPresent();
    }

    @Override
    public boolean readableByAnyone(RepositoryName repository) {
        return resolve(repository).map(target -> target.upstream().anonymousPull()).orElse(false);
    }

    @Override
    public void close() {
        upstreams.forEach(u -> u.client().close());
    }
}
