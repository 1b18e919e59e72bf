package io.stevedore.registry.spec;

import static io.stevedore.registry.spec.SpecClient.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.MediaTypes;
import io.stevedore.registry.RegistryTestSupport;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Input no well-behaved client sends gets the spec's 4xx and error JSON, never a 500: numbers out
 * of range, malformed encodings, manifests of the wrong shapes.
 */
class HostileInputTest extends RegistryTestSupport {
    private final SpecClient registry = new SpecClient(registryUrl(), http(), registryAccount());

    @Test
    void tagPageSizesBeyondAnyLimitAreAnsweredNotFailed() {
        String repo = SpecClient.uniqueRepository("hostile");
        registry.pushImage(repo, "t1");
        assertThat(registry.get("/v2/" + repo + "/tags/list?n=2147483647").status()).isEqualTo(200);
        assertError(registry.get("/v2/" + repo + "/tags/list?n=99999999999999999999999"), 400, "UNSUPPORTED");
        assertError(registry.get("/v2/" + repo + "/tags/list?n=-1"), 400, "UNSUPPORTED");
        assertThat(registry.get("/v2/_catalog?n=2147483647").status()).isEqualTo(200);
    }

    @Test
    void listingsAfterANulCharacterAreBadRequestsNotFailures() {
        String repo = SpecClient.uniqueRepository("hostile");
        registry.pushImage(repo, "t1");
        assertError(registry.get("/v2/" + repo + "/tags/list?last=%00"), 400, "UNSUPPORTED");
        assertError(registry.get("/v2/" + repo + "/tags/list?n=1&last=a%00b"), 400, "UNSUPPORTED");
        assertError(registry.get("/v2/_catalog?last=%00"), 400, "UNSUPPORTED");
    }

    @Test
    void contentRangeBeyondALongIsAnInvalidUpload() {
        String repo = SpecClient.uniqueRepository("hostile");
        String location = registry.startUpload(repo).location();
        assertError(registry.patch(location, new byte[] {1}, "Content-Type", "application/octet-stream",
                "Content-Range", "0-99999999999999999999999"), 400, "BLOB_UPLOAD_INVALID");
        assertError(registry.patch(location, new byte[] {1}, "Content-Type", "application/octet-stream",
                "Content-Range", "bogus"), 400, "BLOB_UPLOAD_INVALID");
    }

    @Test
    void malformedPercentEncodingInTheNameIsAnInvalidName() throws Exception {
        // Java's HTTP client refuses to send these, so they go over a plain socket.
        for (String path : new String[] {"/v2/bad%zzname/tags/list", "/v2/bad%2Fname/tags/list"}) {
            String answer = rawGet(path);
            assertThat(answer).as(path).startsWith("HTTP/1.1 400").contains("application/json")
                    .contains("{\"errors\":[{\"code\":\"NAME_INVALID\"");
        }
        assertError(registry.get("/v2/" + "a".repeat(300) + "/tags/list"), 400, "NAME_INVALID");
    }

    private static String rawGet(String path) throws Exception {
        try (Socket socket = new Socket(registryUrl().getHost(), registryUrl().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void manifestsOfTheWrongShapeAreInvalidManifests() {
        String repo = SpecClient.uniqueRepository("hostile");
        String config = "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
                + "a".repeat(64) + "\",\"size\":2";
        for (String body : new String[] {
                "{\"schemaVersion\":2,\"config\":" + config + "},\"layers\":[],\"annotations\":{\"a\":{\"b\":1}}}",
                "{\"schemaVersion\":2,\"config\":" + config + ",\"urls\":[{}]},\"layers\":[]}",
                "{\"schemaVersion\":2,\"config\":" + config + "},\"layers\":{}}",
                "{\"schemaVersion\":2,\"config\":\"x\",\"layers\":[]}",
                "{\"schemaVersion\":\"2\"}",
                "[".repeat(10_000) + "]".repeat(10_000),
                "\u0000\u0001"}) {
            assertError(registry.putManifest(repo, "t", MediaTypes.OCI_MANIFEST, body.getBytes(StandardCharsets.UTF_8)),
                    400, "MANIFEST_INVALID");
        }
        assertError(registry.putManifest(repo, "t", "application/vnd.example.not-a-manifest",
                "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8)), 400, "MANIFEST_INVALID");
    }

    @Test
    void unknownEndpointsAndMethodsGetJsonErrors() {
        assertError(registry.get("/v2/some/repo/unknown-endpoint/x"), 404, "UNSUPPORTED");
        assertError(registry.send("PATCH", "/v2/some/repo/manifests/latest", new byte[0]), 405, "UNSUPPORTED");
    }
}
