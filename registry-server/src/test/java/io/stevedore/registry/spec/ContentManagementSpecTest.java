package io.stevedore.registry.spec;

import static io.stevedore.registry.spec.SpecClient.assertError;
import static io.stevedore.registry.spec.SpecClient.obj;
import static io.stevedore.registry.spec.SpecClient.sha256;
import static io.stevedore.registry.spec.SpecClient.toJson;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.MediaTypes;
import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.registry.spec.SpecClient.Blob;
import io.stevedore.registry.spec.SpecClient.Image;
import io.stevedore.registry.spec.SpecClient.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The Content Management workflow of the OCI distribution spec (v1.1): deleting manifests by
 * digest, tags, and blobs, and what answers 404 afterwards.
 */
class ContentManagementSpecTest extends RegistryTestSupport {

    private static final String UNKNOWN_DIGEST = "sha256:" + "a1b2c3d4e5f60718".repeat(4);

    private final SpecClient registry = new SpecClient(registryUrl(), http(), registryAccount());

    @Test
    void deleteManifestByDigestAnswers202AndManifestAndItsTagsAreGone() {
        String repo = SpecClient.uniqueRepository("manage");
        Image doomed = registry.pushImage(repo, "doomed");
        registry.pushManifest(repo, "doomed-too", MediaTypes.OCI_MANIFEST, doomed.manifest());
        registry.pushImage(repo, "keep");

        Response deleted = registry.delete("/v2/" + repo + "/manifests/" + doomed.digest());

        assertThat(deleted.status()).as("%s", deleted).isEqualTo(202);
        assertError(registry.getManifest(repo, doomed.digest()), 404, "MANIFEST_UNKNOWN");
        assertThat(registry.head("/v2/" + repo + "/manifests/" + doomed.digest()).status()).isEqualTo(404);
        assertError(registry.getManifest(repo, "doomed"), 404, "MANIFEST_UNKNOWN");
        assertError(registry.getManifest(repo, "doomed-too"), 404, "MANIFEST_UNKNOWN");
        assertThat(tags(repo)).containsExactly("keep");
    }

    @Test
    void deletingAManifestLeavesOtherManifestsAndTheirBlobsAlone() {
        String repo = SpecClient.uniqueRepository("manage");
        Image doomed = registry.pushImage(repo, "doomed");
        Image kept = registry.pushImage(repo, "kept");

        assertThat(registry.delete("/v2/" + repo + "/manifests/" + doomed.digest()).status()).isEqualTo(202);

        assertThat(registry.getManifest(repo, "kept").body()).isEqualTo(kept.manifest());
        assertThat(registry.getManifest(repo, kept.digest()).status()).isEqualTo(200);
        assertThat(registry.get("/v2/" + repo + "/blobs/" + kept.layer().digest()).body())
                .isEqualTo(kept.layer().content());
    }

    @Test
    void deleteByTagAnswers202AndRemovesOnlyThatTag() {
        String repo = SpecClient.uniqueRepository("manage");
        Image image = registry.pushImage(repo, "old-name");
        registry.pushManifest(repo, "new-name", MediaTypes.OCI_MANIFEST, image.manifest());

        Response deleted = registry.delete("/v2/" + repo + "/manifests/old-name");

        assertThat(deleted.status()).as("%s", deleted).isEqualTo(202);
        assertError(registry.getManifest(repo, "old-name"), 404, "MANIFEST_UNKNOWN");
        assertThat(registry.getManifest(repo, "new-name").body()).isEqualTo(image.manifest());
        assertThat(registry.getManifest(repo, image.digest()).status())
                .as("deleting a tag does not delete the manifest").isEqualTo(200);
        assertThat(tags(repo)).containsExactly("new-name");
    }

    @Test
    void deleteOfUnknownManifestIs404ManifestUnknown() {
        String repo = SpecClient.uniqueRepository("manage");
        registry.pushImage(repo, "v1");

        assertError(registry.delete("/v2/" + repo + "/manifests/" + UNKNOWN_DIGEST), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void deleteOfUnknownTagIs404ManifestUnknown() {
        String repo = SpecClient.uniqueRepository("manage");
        registry.pushImage(repo, "v1");

        assertError(registry.delete("/v2/" + repo + "/manifests/no-such-tag"), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void deleteOfManifestInUnknownRepositoryIs404() {
        String repo = SpecClient.uniqueRepository("never-pushed");

        assertError(registry.delete("/v2/" + repo + "/manifests/" + UNKNOWN_DIGEST),
                404, "NAME_UNKNOWN", "MANIFEST_UNKNOWN");
    }

    @Test
    void deleteBlobAnswers202AndBlobIsGone() {
        String repo = SpecClient.uniqueRepository("manage");
        Blob blob = registry.pushBlob(repo, Blob.random(700));

        Response deleted = registry.delete("/v2/" + repo + "/blobs/" + blob.digest());

        assertThat(deleted.status()).as("%s", deleted).isEqualTo(202);
        assertError(registry.get("/v2/" + repo + "/blobs/" + blob.digest()), 404, "BLOB_UNKNOWN");
        assertThat(registry.head("/v2/" + repo + "/blobs/" + blob.digest()).status()).isEqualTo(404);
        assertError(registry.delete("/v2/" + repo + "/blobs/" + blob.digest()), 404, "BLOB_UNKNOWN");
    }

    @Test
    void blobDeletedFromOneRepositoryStaysInAnotherThatHasIt() {
        String first = SpecClient.uniqueRepository("manage");
        String second = SpecClient.uniqueRepository("manage");
        Blob blob = registry.pushBlob(first, Blob.random(700));
        registry.pushBlob(second, blob);

        assertThat(registry.delete("/v2/" + first + "/blobs/" + blob.digest()).status()).isEqualTo(202);

        assertThat(registry.get("/v2/" + first + "/blobs/" + blob.digest()).status()).isEqualTo(404);
        Response stillThere = registry.get("/v2/" + second + "/blobs/" + blob.digest());
        assertThat(stillThere.status()).as("%s", stillThere).isEqualTo(200);
        assertThat(stillThere.body()).isEqualTo(blob.content());
    }

    @Test
    void deleteOfUnknownBlobIs404BlobUnknown() {
        String repo = SpecClient.uniqueRepository("manage");
        registry.pushBlob(repo, Blob.random(10));

        assertError(registry.delete("/v2/" + repo + "/blobs/" + UNKNOWN_DIGEST), 404, "BLOB_UNKNOWN");
    }

    @Test
    void malformedDigestInDeleteIs400DigestInvalid() {
        String repo = SpecClient.uniqueRepository("manage");
        registry.pushImage(repo, "v1");

        assertError(registry.delete("/v2/" + repo + "/blobs/sha256:xyz"), 400, "DIGEST_INVALID");
        assertError(registry.delete("/v2/" + repo + "/manifests/sha256:xyz"), 400, "DIGEST_INVALID");
    }

    @Test
    void deletedReferrerIsNoLongerListed() {
        String repo = SpecClient.uniqueRepository("manage");
        Image subject = registry.pushImage(repo, "subject");
        registry.pushBlob(repo, SpecClient.EMPTY_JSON);
        List<String> referrers = new ArrayList<>();
        for (String kind : List.of("keep", "drop")) {
            byte[] referrer = toJson(obj(
                    "schemaVersion", 2,
                    "mediaType", MediaTypes.OCI_MANIFEST,
                    "artifactType", "application/vnd.example." + kind,
                    "config", SpecClient.EMPTY_JSON.descriptor(MediaTypes.OCI_EMPTY),
                    "layers", List.of(SpecClient.EMPTY_JSON.descriptor(MediaTypes.OCI_EMPTY)),
                    "subject", subject.descriptor()));
            referrers.add(registry.pushManifest(repo, sha256(referrer), MediaTypes.OCI_MANIFEST, referrer));
        }

        assertThat(registry.delete("/v2/" + repo + "/manifests/" + referrers.get(1)).status()).isEqualTo(202);

        Response r = registry.get("/v2/" + repo + "/referrers/" + subject.digest());
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        List<String> listed = new ArrayList<>();
        r.json().get("manifests").forEach(d -> listed.add(d.get("digest").stringValue()));
        assertThat(listed).containsExactly(referrers.get(0));
    }

    private List<String> tags(String repo) {
        Response r = registry.get("/v2/" + repo + "/tags/list");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        List<String> tags = new ArrayList<>();
        JsonNode list = r.json().get("tags");
        if (list != null && !list.isNull()) {
            list.forEach(t -> tags.add(t.stringValue()));
        }
        return tags;
    }
}
