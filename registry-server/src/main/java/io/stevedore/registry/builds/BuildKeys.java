package io.stevedore.registry.builds;

import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.postgres.PasswordFile;
import io.stevedore.registry.secrets.SealingKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.stereotype.Component;

/**
 * The two secrets of the build service: the token workers present, configured or generated once
 * into {@code <data-dir>/builds/worker-token} (mode 0600), and the key that seals build secrets in
 * the database ({@link SealingKey}, shared with the other secrets the registry keeps). Replicas
 * must share both.
 */
@Component
public class BuildKeys {
    private final byte[] workerToken;
    private final SealingKey sealing;

    public BuildKeys(RegistryProperties properties, SealingKey sealing) {
        RegistryProperties.Builds builds = properties.builds();
        PasswordFile generated = new PasswordFile(properties.dataDir().resolve("builds").resolve("worker-token"));
        String token = builds.workerToken() != null && !builds.workerToken().isBlank() ? builds.workerToken()
                : SealingKey.generatedOnce(generated);
        this.workerToken = token.getBytes(StandardCharsets.UTF_8);
        this.sealing = sealing;
    }

    /** The token, for starting an embedded worker. */
    String workerToken() {
        return new String(workerToken, StandardCharsets.UTF_8);
    }

    /** Whether {@code presented} is the worker token, compared in constant time. */
    boolean isWorkerToken(String presented) {
        return presented != null && MessageDigest.isEqual(workerToken, presented.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] seal(byte[] plain) {
        return sealing.seal(plain);
    }

    public byte[] open(byte[] sealed) {
        return sealing.open(sealed);
    }
}
