package io.stevedore.client;

import static io.stevedore.client.ClientTestImages.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.AuthRegistryTestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against the real server with authentication on: the Docker token flow, as users meet it. */
class RegistryClientAuthTest extends AuthRegistryTestSupport {
    @TempDir
    Path work;

    private static RegistryClient clientAs(RegistryCredentials credentials) {
        RegistryClient.Builder builder = RegistryClient.builder(authRegistryHost());
        return (credentials == null ? builder : builder.credentials(credentials)).build();
    }

    /** Pushes a config, a layer and a manifest tagged {@code tag}; returns the manifest's digest. */
    private static Digest pushSmallImage(RegistryClient client, RepositoryName repository, String tag) {
        byte[] manifest = ClientTestImages.pushBlobsOfAnImage(client, repository, 1024);
        return client.pushManifest(repository, tag, MediaTypes.OCI_MANIFEST, manifest);
    }

    @Test
    void aUserPushesIntoHerNamespaceWithOneTokenAskedForUpFront() {
        TestUser alice = newUser("alice");
        RepositoryName repository = RepositoryName.of(alice.name() + "/app");
        try (RegistryClient client = clientAs(RegistryCredentials.basic(alice.name(), alice.password()))) {
            Digest digest = pushSmallImage(client, repository, "1");

            assertThat(client.tokenScopeSets()).as("blob checks, uploads and the manifest share the push token")
                    .containsExactly("repository:" + repository + ":pull,push");
            assertThat(client.fetchManifest(repository, "1").digest()).isEqualTo(digest);
            assertThat(client.listTags(repository)).containsExactly("1");
        }
    }

    @Test
    void aPushOutsideOnesNamespaceIsDeniedInPlainWords() {
        TestUser alice = newUser("alice");
        TestUser bob = newUser("bob");
        RepositoryName bobs = RepositoryName.of(bob.name() + "/app");
        byte[] content = randomBytes(100);
        try (RegistryClient client = clientAs(RegistryCredentials.basic(alice.name(), alice.password()))) {
            assertThatThrownBy(() -> client.pushBlob(bobs, Digest.sha256(content), content))
                    .isInstanceOfSatisfying(RegistryAuthenticationException.class, e -> {
                        assertThat(e.status()).isIn(401, 403);
                        assertThat(e.getMessage()).startsWith("denied: ").contains(bobs.toString());
                    });
        }
    }

    @Test
    void aWrongPasswordFailsAuthenticationAndSaysForWhom() {
        TestUser alice = newUser("alice");
        try (RegistryClient client = clientAs(RegistryCredentials.basic(alice.name(), "not-her-password"))) {
            assertThatThrownBy(() -> client.fetchManifest(RepositoryName.of(alice.name() + "/app"), "1"))
                    .isInstanceOfSatisfying(RegistryAuthenticationException.class, e -> {
                        assertThat(e.status()).isEqualTo(401);
                        assertThat(e.getMessage()).contains("authentication to " + authRegistryHost() + " as "
                                + alice.name() + " failed");
                    });
        }
    }

    @Test
    void anonymousClientsPullPublicRepositoriesAndAreDeniedPrivateOnes() {
        TestUser alice = newUser("alice");
        RepositoryName repository = RepositoryName.of(alice.name() + "/shared");
        Digest digest;
        try (RegistryClient client = clientAs(RegistryCredentials.basic(alice.name(), alice.password()))) {
            digest = pushSmallImage(client, repository, "1");
        }
        try (RegistryClient anonymous = clientAs(null)) {
            assertThatThrownBy(() -> anonymous.fetchManifest(repository, "1"))
                    .isInstanceOf(RegistryAuthenticationException.class).hasMessageStartingWith("denied: ");

            setVisibility(alice, repository.value(), "public");

            assertThat(anonymous.fetchManifest(repository, "1").digest()).isEqualTo(digest);
        }
    }

    @Test
    void anIdentityTokenIsExchangedThroughTheRefreshTokenGrant() {
        TestUser alice = newUser("alice");
        Response login = get("/auth/token?service=stevedore&offline_token=true", "Authorization", alice.basic());
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        String refreshToken = login.json().get("refresh_token").asString();
        RepositoryName repository = RepositoryName.of(alice.name() + "/via-identity-token");

        try (RegistryClient client = clientAs(RegistryCredentials.identityToken(alice.name(), refreshToken))) {
            Digest digest = pushSmallImage(client, repository, "1");
            assertThat(client.fetchManifest(repository, digest.toString()).digest()).isEqualTo(digest);
        }
        try (RegistryClient client = clientAs(RegistryCredentials.identityToken(alice.name(), "not-a-refresh-token"))) {
            assertThatThrownBy(() -> client.listTags(repository)).isInstanceOf(RegistryAuthenticationException.class);
        }
    }

    @Test
    void credentialsFromADockerConfigAreUsed() throws IOException {
        TestUser alice = newUser("alice");
        String auth = Base64.getEncoder().encodeToString((alice.name() + ":" + alice.password())
                .getBytes(StandardCharsets.UTF_8));
        Path configJson = Files.writeString(work.resolve("config.json"),
                "{\"auths\":{\"" + authRegistryHost() + "\":{\"auth\":\"" + auth + "\"}}}");
        RepositoryName repository = RepositoryName.of(alice.name() + "/from-config");

        try (RegistryClient client = RegistryClient.builder(authRegistryHost())
                .credentialsFrom(DockerConfig.load(configJson)).build()) {
            Digest digest = pushSmallImage(client, repository, "1");
            assertThat(client.headManifest(repository, "1")).hasValueSatisfying(
                    descriptor -> assertThat(descriptor.digest()).isEqualTo(digest));
        }
    }

    @Test
    void aMountAsksForPullOnTheSourceAndMovesNoBytes() {
        TestUser alice = newUser("alice");
        RepositoryName source = RepositoryName.of(alice.name() + "/base");
        RepositoryName target = RepositoryName.of(alice.name() + "/derived");
        byte[] content = randomBytes(4096);
        Digest digest = Digest.sha256(content);
        try (RegistryClient client = clientAs(RegistryCredentials.basic(alice.name(), alice.password()))) {
            client.pushBlob(source, digest, content);

            assertThat(client.mountBlob(target, digest, source)).isTrue();

            assertThat(client.blobSize(target, digest)).contains(4096L);
            assertThat(client.tokenScopeSets()).contains(
                    "repository:" + source + ":pull repository:" + target + ":pull,push");
        }
    }
}
