package io.stevedore.registry.auth.tokens;

import io.stevedore.registry.config.RegistryProperties;
import java.nio.file.Path;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

@Configuration(proxyBeanMethods = false)
class TokenSigningKeyConfiguration {

    /** Lazy: a registry with authentication off neither needs nor creates a key. */
    @Bean
    @Lazy
    TokenSigningKey tokenSigningKey(RegistryProperties properties) {
        Path configured = properties.auth().signingKey();
        return configured != null ? TokenSigningKey.read(configured)
                : TokenSigningKey.readOrCreate(properties.dataDir().resolve("auth").resolve("token-signing-key.pem"));
    }
}
