package io.stevedore.registry.builds;

import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.postgres.PasswordFile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.stereotype.Component;

/**
 * The token build workers present: configured, or generated once into
 * {@code <data-dir>/builds/worker-token} (mode 0600); replicas must share it. (Build secrets are
 * sealed with the registry's {@link io.stevedore.registry.secrets.SealingKey}.)
 */
@Component
public class BuildKeys {
    private final byte[] workerToken;

    public BuildKeys(RegistryProperties properties) {
        RegistryProperties.Builds builds = properties.builds();
        String token = builds.workerToken() != null && !builds.workerToken().isBlank() ? builds.workerToken()
                : new PasswordFile(properties.dataDir().resolve("builds").resolve("worker-token")).readOrCreate();
        this.workerToken = token.getBytes(StandardCharsets.UTF_8);
    }

    /** The token, for starting an embedded worker. */
    String workerToken() {
        return new String(workerToken, StandardCharsets.UTF_8);
    }

    /** Whether {@code presented} is the worker token, compared in constant time. */
    boolean isWorkerToken(String presented) {
        return presented != null && MessageDigest.isEqual(workerToken, presented.getBytes(StandardCharsets.UTF_8));
    }
}
