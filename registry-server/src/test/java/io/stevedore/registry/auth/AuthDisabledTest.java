package io.stevedore.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.registry.config.RegistryProperties;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The default, authentication off, on the anonymous suites' server: open to all, nothing of auth exposed. */
class AuthDisabledTest extends RegistryTestSupport {

    private static int status(String path) throws Exception {
        return http().send(HttpRequest.newBuilder(registryUrl().resolve(path)).build(), BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    void everyCallerMayDoEverythingAndNeitherTokenEndpointNorApiNorSigningKeyExists() throws Exception {
        assumeTrue(context() != null, "needs our own server, not an external registry");
        RegistryProperties properties = context().getBean(RegistryProperties.class);
        assertThat(properties.auth().enabled()).isFalse();

        assertThat(status("/v2/")).isEqualTo(200);
        assertThat(status("/v2/_catalog")).isEqualTo(200);
        assertThat(status("/auth/token?service=stevedore")).isEqualTo(404);
        assertThat(status("/api/v1/repositories/any/thing")).isEqualTo(404);
        assertThat(Files.exists(properties.dataDir().resolve("auth"))).as("no signing key created").isFalse();
    }
}
