package io.stevedore.builder.engine;

import io.stevedore.client.DockerConfig;
import io.stevedore.client.RegistryClient;
import io.stevedore.client.RegistryCredentials;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One registry client per registry host for the whole build, with credentials from docker's config or options. */
public final class Registries implements AutoCloseable {
    private final DockerConfig dockerConfig;
    private final Map<String, RegistryCredentials> explicitCredentials;
    private final Set<String> insecure;
    private final Map<String, RegistryClient> clients = new ConcurrentHashMap<>();

    public Registries(DockerConfig dockerConfig, Map<String, RegistryCredentials> explicitCredentials, Set<String> insecure) {
        this.dockerConfig = dockerConfig;
        this.explicitCredentials = Map.copyOf(explicitCredentials);
        this.insecure = Set.copyOf(insecure);
    }

    public RegistryClient client(String registry) {
        return clients.computeIfAbsent(registry, host -> {
            RegistryClient.Builder builder = RegistryClient.builder(host)
                    .insecure(insecure.contains(host))
                    .userAgent("stevedore-build/0.1");
            RegistryCredentials credentials = explicitCredentials.get(host);
            if (credentials != null) {
                builder.credentials(credentials);
            } else {
                builder.credentialsFrom(dockerConfig);
            }
            return builder.build();
        });
    }

    @Override
    public void close() {
        clients.values().forEach(RegistryClient::close);
    }
}
