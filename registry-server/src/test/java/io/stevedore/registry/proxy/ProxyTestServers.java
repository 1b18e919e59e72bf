package io.stevedore.registry.proxy;

import io.stevedore.registry.StevedoreApplication;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Stevedore whose namespaces are pull-through caches of the upstreams given: a server of its
 * own in the test JVM (own data dir, own embedded PostgreSQL), with authentication on and a
 * configured admin password.
 */
final class ProxyTestServers {
    private ProxyTestServers() {
    }

    /** One upstream as {@code registry.proxy.upstreams[i].*} arguments. */
    record UpstreamArgs(String name, URI url, String tagTtl, List<String> extra) {
    }

    record ProxyServer(ConfigurableApplicationContext context, URI url, String adminPassword) implements AutoCloseable {
        String host() {
            return url.getHost() + ":" + url.getPort();
        }

        @Override
        public void close() {
            context.close();
        }
    }

    static ProxyServer start(String label, List<UpstreamArgs> upstreams) throws IOException {
        Path dataDir = Files.createDirectories(Path.of("target", "test-registry"))
                .resolve(label + "-run-" + ProcessHandle.current().pid()).toAbsolutePath();
        String adminPassword = "admin-" + UUID.randomUUID();
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                "--registry.data-dir=" + dataDir, "--registry.auth.enabled=true",
                "--registry.auth.admin-password=" + adminPassword, "--registry.builds.embedded-worker=false",
                "--registry.storage.type=fs"));
        for (int i = 0; i < upstreams.size(); i++) {
            UpstreamArgs upstream = upstreams.get(i);
            String prefix = "--registry.proxy.upstreams[" + i + "].";
            args.add(prefix + "name=" + upstream.name());
            args.add(prefix + "url=" + upstream.url());
            args.add(prefix + "tag-ttl=" + upstream.tagTtl());
            upstream.extra().forEach(e -> args.add(prefix + e));
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(StevedoreApplication.class)
                .run(args.toArray(String[]::new));
        URI url = URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
        return new ProxyServer(context, url, adminPassword);
    }
}
