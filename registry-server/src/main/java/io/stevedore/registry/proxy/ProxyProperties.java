package io.stevedore.registry.proxy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The pull-through cache's upstreams, under {@code registry.proxy.upstreams[i].*} (environment:
 * {@code REGISTRY_PROXY_UPSTREAMS_0_URL}, {@code REGISTRY_PROXY_UPSTREAMS_0_PASSWORD}, ...).
 * No upstreams (the default): no namespace is a proxy and nothing here runs.
 */
@ConfigurationProperties("registry.proxy")
public record ProxyProperties(@DefaultValue List<Upstream> upstreams) {

    /**
     * One upstream registry, served under its own namespace.
     *
     * @param name          the namespace (first path component) it is served under, e.g. {@code hub}
     * @param url           the upstream's base URL, e.g. {@code https://registry-1.docker.io};
     *                      {@code http://} for a plain-HTTP upstream
     * @param username      with a password: credentials for the upstream (Basic, or the token flow
     *                      its challenge asks for); unset: anonymous
     * @param password      the secret; never logged
     * @param passwordFile  a file holding the secret instead (trailing newline ignored)
     * @param tagTtl        a tag fetched less than this long ago is served without asking the upstream
     * @param libraryPrefix whether a one-component name means {@code library/<name>} upstream; unset:
     *                      true for Docker Hub ({@code docker.io}, {@code registry-1.docker.io})
     * @param timeout       how long to wait for the upstream's answer (status and headers) before
     *                      serving what is cached
     * @param anonymousPull whether anyone, even without signing in, may pull through this namespace
     *                      (and so make the cache fetch); otherwise its repositories are private
     */
    public record Upstream(String name, URI url, String username, String password, Path passwordFile,
                           @DefaultValue("1h") Duration tagTtl, Boolean libraryPrefix,
                           @DefaultValue("30s") Duration timeout, @DefaultValue("false") boolean anonymousPull) {

        /** Never the secret: settings end up in logs and failure messages. */
        @Override
        public String toString() {
            return "Upstream[name=" + name + ", url=" + url + ", username=" + username + ", tagTtl=" + tagTtl
                    + ", anonymousPull=" + anonymousPull + "]";
        }
    }
}
