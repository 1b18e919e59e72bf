package io.stevedore.client;

import static io.stevedore.client.ClientTestImages.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.RedirectingS3Registry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blob pulls that the registry redirects to presigned S3 URLs, with authentication on: the
 * client follows the redirect and must not hand its bearer token to the bucket, which refuses a
 * request that carries both a presigned query and an Authorization header. Its own server
 * (auth, S3 redirects), on S3Proxy.
 */
class RegistryClientRedirectTest {
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static RedirectingS3Registry registry;
    private static String host;

    @TempDir
    Path work;

    @BeforeAll
    static void startRedirectingRegistryWithAuthentication() throws Exception {
        registry = RedirectingS3Registry.start("client-redirect-registry", "--registry.auth.enabled=true",
                "--registry.auth.admin-password=" + ADMIN_PASSWORD);
        host = registry.host();
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aRedirectedBlobIsFetchedWithoutOurCredentialsReachingTheBucket() throws Exception {
        RepositoryName repository = RepositoryName.of("admin/redirected");
        byte[] content = randomBytes(300_000);
        Digest digest = Digest.sha256(content);
        try (RegistryClient client = RegistryClient.builder(host)
                .credentials(RegistryCredentials.basic("admin", ADMIN_PASSWORD)).build()) {
            client.pushBlob(repository, digest, content);
            assertThat(redirectStatus(client, repository, digest)).as("the registry does redirect").isEqualTo(307);

            try (InputStream in = client.openBlob(repository, digest)) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
            Path target = work.resolve("blob");
            client.fetchBlob(repository, digest, target);
            assertThat(Files.readAllBytes(target)).isEqualTo(content);
        }
    }

    /** The status of a blob GET carrying a valid token, not following redirects. */
    private static int redirectStatus(RegistryClient client, RepositoryName repository, Digest digest)
            throws IOException, InterruptedException {
        String token = client.authorizationFor(Scopes.pull(repository)).orElseThrow();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(client.baseUri() + "/v2/" + repository + "/blobs/"
                            + digest)).header("Authorization", token).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }
}
