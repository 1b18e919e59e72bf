package io.stevedore.registry.e2e;

import static io.stevedore.registry.e2e.Processes.check;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.RedirectingS3Registry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code registry.storage.s3.redirect=true}, blob GETs answer 307 to a presigned URL of the
 * bucket, and real clients follow it: skopeo copies an image out and docker pulls and runs it.
 * Its own server (the shared one does not redirect), on S3Proxy.
 */
class S3RedirectE2ETest {
    private static RedirectingS3Registry registry;
    private static URI url;
    private static String host;

    @TempDir
    Path work;

    @BeforeAll
    static void startRedirectingRegistry() throws Exception {
        registry = RedirectingS3Registry.start("redirect-registry", "--registry.auth.enabled=false");
        url = registry.url();
        host = registry.host();
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void blobGetsRedirectToTheBucketAndRealClientsFollow() throws Exception {
        Processes.assumeInstalled("skopeo", "skopeo");
        BusyboxImages.Layout layout = BusyboxImages.amd64Layout(work.resolve("layout"));
        String repository = "e2e/redirect-" + RegistryHttp.randomSuffix();
        String image = host + "/" + repository + ":1";
        check("skopeo", "copy", "--dest-tls-verify=false", layout.reference(BusyboxImages.AMD64), "docker://" + image);

        BusyboxImages.Blob layer = BusyboxImages.amd64Image().layer();
        HttpClient noRedirects = HttpClient.newHttpClient();
        HttpResponse<Void> redirect = noRedirects.send(HttpRequest.newBuilder(
                url.resolve("/v2/" + repository + "/blobs/" + layer.digest())).build(), BodyHandlers.discarding());
        assertThat(redirect.statusCode()).isEqualTo(307);
        assertThat(redirect.headers().firstValue("Location")).hasValueSatisfying(
                location -> assertThat(location).startsWith(registry.s3().endpoint().toString()));
        HttpResponse<byte[]> followed = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build()
                .send(HttpRequest.newBuilder(url.resolve("/v2/" + repository + "/blobs/" + layer.digest())).build(),
                        BodyHandlers.ofByteArray());
        assertThat(followed.statusCode()).isEqualTo(200);
        assertThat(followed.body()).isEqualTo(layer.content());

        check("skopeo", "copy", "--src-tls-verify=false", "docker://" + image, "oci:" + work.resolve("out") + ":1");
        Processes.assumeDockerDaemon();
        try {
            check("docker", "pull", image);
            assertThat(check("docker", "run", "--rm", "--network", "none", image, "echo", "redirected").out())
                    .contains("redirected");
        } finally {
            Processes.run("docker", "rmi", "-f", image);
        }
    }
}
