package io.stevedore.registry.spec;

import static io.stevedore.registry.spec.SpecClient.assertError;
import static io.stevedore.registry.spec.SpecClient.assertManifest;
import static io.stevedore.registry.spec.SpecClient.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.MediaTypes;
import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.registry.spec.SpecClient.Blob;
import io.stevedore.registry.spec.SpecClient.Image;
import io.stevedore.registry.spec.SpecClient.Response;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Pull workflow of the OCI distribution spec (v1.1): the API version check, manifests and
 * blobs by tag and digest with GET and HEAD, ranges, 404s, malformed digests and repository names.
 */
class PullSpecTest extends RegistryTestSupport {

    private static final String UNKNOWN_DIGEST =
            "sha256:" + "0123456789abcdef".repeat(4);
    private static final String MALFORMED_DIGEST = "sha256:not-a-digest";

    private final SpecClient registry = new SpecClient(registryUrl(), http(), registryAccount());

    @Test
    void apiVersionCheckAnswers200WithDistributionApiVersionHeader() {
        Response r = registry.get("/v2/");

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
    }

    @Test
    void manifestIsPulledByTagWithItsMediaTypeAndDigest() {
        String repo = SpecClient.uniqueRepository("pull");
        Image image = registry.pushImage(repo, "v1");

        Response r = registry.getManifest(repo, "v1");

        assertManifest(r, image.manifest(), MediaTypes.OCI_MANIFEST, image.digest());
    }

    @Test
    void manifestIsPulledByDigest() {
        String repo = SpecClient.uniqueRepository("pull");
        Image image = registry.pushImage(repo, "v1");

        Response r = registry.getManifest(repo, image.digest());

        assertManifest(r, image.manifest(), MediaTypes.OCI_MANIFEST, image.digest());
    }

    @Test
    void manifestPushedByDigestOnlyIsPulledByDigest() {
        String repo = SpecClient.uniqueRepository("pull");
        Image image = registry.pushImage(repo, null);

        Response r = registry.getManifest(repo, image.digest());

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body()).isEqualTo(image.manifest());
    }

    @Test
    void headOfManifestByTagAnswers200WithDigestAndLength() {
        String repo = SpecClient.uniqueRepository("pull");
        Image image = registry.pushImage(repo, "v1");

        Response r = registry.head("/v2/" + repo + "/manifests/v1", "Accept", SpecClient.ACCEPT_MANIFESTS);

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.header("Docker-Content-Digest")).isEqualTo(image.digest());
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(image.manifest().length));
        assertThat(r.header("Content-Type")).isEqualTo(MediaTypes.OCI_MANIFEST);
    }

    @Test
    void headOfManifestByDigestAnswers200WithDigestAndLength() {
        String repo = SpecClient.uniqueRepository("pull");
        Image image = registry.pushImage(repo, "v1");

        Response r = registry.head("/v2/" + repo + "/manifests/" + image.digest(),
                "Accept", SpecClient.ACCEPT_MANIFESTS);

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.header("Docker-Content-Digest")).isEqualTo(image.digest());
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(image.manifest().length));
    }

    @Test
    void unknownTagIs404ManifestUnknown() {
        String repo = SpecClient.uniqueRepository("pull");
        registry.pushImage(repo, "v1");

        assertError(registry.getManifest(repo, "no-such-tag"), 404, "MANIFEST_UNKNOWN");
        assertThat(registry.head("/v2/" + repo + "/manifests/no-such-tag").status()).isEqualTo(404);
    }

    @Test
    void unknownManifestDigestIs404ManifestUnknown() {
        String repo = SpecClient.uniqueRepository("pull");
        registry.pushImage(repo, "v1");

        assertError(registry.getManifest(repo, UNKNOWN_DIGEST), 404, "MANIFEST_UNKNOWN");
        assertThat(registry.head("/v2/" + repo + "/manifests/" + UNKNOWN_DIGEST).status()).isEqualTo(404);
    }

    @Test
    void manifestOfUnknownRepositoryIs404() {
        String repo = SpecClient.uniqueRepository("never-pushed");

        assertError(registry.getManifest(repo, "latest"), 404, "NAME_UNKNOWN", "MANIFEST_UNKNOWN");
        assertThat(registry.head("/v2/" + repo + "/manifests/latest").status()).isEqualTo(404);
    }

    @Test
    void blobIsPulledWithLengthDigestAndEtag() {
        String repo = SpecClient.uniqueRepository("pull");
        Blob blob = registry.pushBlob(repo, Blob.random(3000));

        Response r = registry.get("/v2/" + repo + "/blobs/" + blob.digest());

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body()).isEqualTo(blob.content());
        assertThat(r.header("Content-Length")).isEqualTo("3000");
        assertThat(r.header("Docker-Content-Digest")).isEqualTo(blob.digest());
        assertThat(r.header("ETag")).isNotBlank();
    }

    @Test
    void headOfBlobAnswers200WithLengthAndDigestButNoBody() {
        String repo = SpecClient.uniqueRepository("pull");
        Blob blob = registry.pushBlob(repo, Blob.random(1234));

        Response r = registry.head("/v2/" + repo + "/blobs/" + blob.digest());

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.header("Content-Length")).isEqualTo("1234");
        assertThat(r.header("Docker-Content-Digest")).isEqualTo(blob.digest());
    }

    @Test
    void unknownBlobIs404BlobUnknown() {
        String repo = SpecClient.uniqueRepository("pull");
        registry.pushBlob(repo, Blob.random(10));

        assertError(registry.get("/v2/" + repo + "/blobs/" + UNKNOWN_DIGEST), 404, "BLOB_UNKNOWN");
        assertThat(registry.head("/v2/" + repo + "/blobs/" + UNKNOWN_DIGEST).status()).isEqualTo(404);
    }

    @Test
    void blobOfUnknownRepositoryIs404() {
        String repo = SpecClient.uniqueRepository("never-pushed");

        assertError(registry.get("/v2/" + repo + "/blobs/" + UNKNOWN_DIGEST), 404, "BLOB_UNKNOWN", "NAME_UNKNOWN");
    }

    @Test
    void blobRangeRequestAnswers206WithContentRange() {
        String repo = SpecClient.uniqueRepository("pull");
        Blob blob = registry.pushBlob(repo, Blob.random(1000));

        Response r = registry.get("/v2/" + repo + "/blobs/" + blob.digest(), "Range", "bytes=100-199");

        assertThat(r.status()).as("%s", r).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 100-199/1000");
        assertThat(r.header("Content-Length")).isEqualTo("100");
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(blob.content(), 100, 200));
    }

    @Test
    void openEndedBlobRangeAnswers206UpToTheEnd() {
        String repo = SpecClient.uniqueRepository("pull");
        Blob blob = registry.pushBlob(repo, Blob.random(1000));

        Response r = registry.get("/v2/" + repo + "/blobs/" + blob.digest(), "Range", "bytes=990-");

        assertThat(r.status()).as("%s", r).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 990-999/1000");
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(blob.content(), 990, 1000));
    }

    @Test
    void unsatisfiableBlobRangeIs416() {
        String repo = SpecClient.uniqueRepository("pull");
        Blob blob = registry.pushBlob(repo, Blob.random(1000));

        Response r = registry.get("/v2/" + repo + "/blobs/" + blob.digest(), "Range", "bytes=5000-6000");

        assertThat(r.status()).as("%s", r).isEqualTo(416);
        assertThat(r.header("Content-Range")).as("RFC 9110 unsatisfied-range").isEqualTo("bytes */1000");
    }

    @Test
    void malformedDigestInBlobRequestIs400DigestInvalid() {
        String repo = SpecClient.uniqueRepository("pull");
        registry.pushBlob(repo, Blob.random(10));

        assertError(registry.get("/v2/" + repo + "/blobs/" + MALFORMED_DIGEST), 400, "DIGEST_INVALID");
        assertError(registry.get("/v2/" + repo + "/blobs/sha256:abc"), 400, "DIGEST_INVALID");
        assertThat(registry.head("/v2/" + repo + "/blobs/" + MALFORMED_DIGEST).status()).isEqualTo(400);
    }

    @Test
    void malformedDigestInManifestGetIs400DigestInvalid() {
        String repo = SpecClient.uniqueRepository("pull");
        registry.pushImage(repo, "v1");

        assertError(registry.getManifest(repo, MALFORMED_DIGEST), 400, "DIGEST_INVALID");
        assertError(registry.getManifest(repo, "sha256:abc"), 400, "DIGEST_INVALID");
    }

    @Test
    void malformedDigestInManifestHeadIs400() {
        String repo = SpecClient.uniqueRepository("pull");
        registry.pushImage(repo, "v1");

        Response r = registry.head("/v2/" + repo + "/manifests/" + MALFORMED_DIGEST);

        assertThat(r.status()).as("%s", r).isEqualTo(400);
    }

    @Test
    void repositoryNameWithUpperCaseIsRejected() {
        assertNameRejected("spec/Upper-" + SpecClient.randomHex(4));
    }

    @Test
    void repositoryNameWithDotDotSegmentIsRejected() {
        assertNameRejected("spec/../pull-" + SpecClient.randomHex(4));
    }

    @Test
    void repositoryNameWithEmptySegmentIsRejected() {
        assertNameRejected("spec//pull-" + SpecClient.randomHex(4));
    }

    /**
     * An invalid name never reaches a repository: 400 NAME_INVALID, or 404 NAME_UNKNOWN, with the
     * OCI error body, on the pull, push and discovery endpoints alike.
     */
    private void assertNameRejected(String name) {
        List<Response> responses = List.of(
                registry.getManifest(name, "latest"),
                registry.get("/v2/" + name + "/blobs/" + UNKNOWN_DIGEST),
                registry.get("/v2/" + name + "/tags/list"),
                registry.post("/v2/" + name + "/blobs/uploads/", new byte[0]));
        for (Response r : responses) {
            assertThat(r.status()).as("%s", r).isIn(400, 404);
            assertError(r, r.status(), r.status() == 400 ? "NAME_INVALID" : "NAME_UNKNOWN");
        }
    }

    @Test
    void manifestDigestHeaderMatchesTheBytesServed() {
        String repo = SpecClient.uniqueRepository("pull");
        registry.pushImage(repo, "v1");

        Response r = registry.getManifest(repo, "v1");

        assertThat(r.header("Docker-Content-Digest")).isEqualTo(sha256(r.body()));
    }
}
