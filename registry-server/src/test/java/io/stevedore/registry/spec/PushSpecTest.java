package io.stevedore.registry.spec;

import static io.stevedore.registry.spec.SpecClient.OCTET_STREAM;
import static io.stevedore.registry.spec.SpecClient.assertError;
import static io.stevedore.registry.spec.SpecClient.assertManifest;
import static io.stevedore.registry.spec.SpecClient.obj;
import static io.stevedore.registry.spec.SpecClient.sha256;
import static io.stevedore.registry.spec.SpecClient.toJson;
import static io.stevedore.registry.spec.SpecClient.withQuery;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.MediaTypes;
import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.registry.spec.SpecClient.Blob;
import io.stevedore.registry.spec.SpecClient.Image;
import io.stevedore.registry.spec.SpecClient.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The Push workflow of the OCI distribution spec (v1.1): monolithic, single-POST and chunked blob
 * uploads, upload status and cancellation, cross-repository mounts, and manifest pushes of every
 * media type we serve, with the rejections the spec names.
 */
class PushSpecTest extends RegistryTestSupport {

    private static final String MISSING_DIGEST = "sha256:" + "fedcba9876543210".repeat(4);

    private final SpecClient registry = new SpecClient(registryUrl(), http(), registryAccount());

    // ================================================================ monolithic uploads

    @Test
    void uploadSessionStartsWith202LocationAndUploadUuid() {
        String repo = SpecClient.uniqueRepository("push");

        Response r = registry.post("/v2/" + repo + "/blobs/uploads/", new byte[0]);

        assertThat(r.status()).as("%s", r).isEqualTo(202);
        String uuid = r.header("Docker-Upload-UUID");
        assertThat(uuid).isNotBlank();
        assertThat(URI.create(r.location()).getPath())
                .startsWith("/v2/" + repo + "/blobs/uploads/")
                .contains(uuid);
    }

    @Test
    void monolithicPostThenPutCreatesBlob() {
        String repo = SpecClient.uniqueRepository("push");
        Blob blob = Blob.random(2048);
        Response started = registry.startUpload(repo);

        Response put = registry.put(withQuery(started.location(), "digest", blob.digest()), blob.content(),
                "Content-Type", OCTET_STREAM);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.header("Docker-Content-Digest")).isEqualTo(blob.digest());
        Response pulled = registry.get(put.location());
        assertThat(pulled.status()).as("%s", pulled).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo(blob.content());
    }

    @Test
    void streamedPatchWithoutContentRangeThenEmptyPutCreatesBlob() {
        String repo = SpecClient.uniqueRepository("push");
        Blob blob = Blob.random(1500);
        Response started = registry.startUpload(repo);

        Response patched = registry.patch(started.location(), blob.content(), "Content-Type", OCTET_STREAM);
        assertThat(patched.status()).as("%s", patched).isEqualTo(202);
        assertThat(patched.header("Range")).isEqualTo("0-1499");
        Response put = registry.put(withQuery(patched.location(), "digest", blob.digest()), new byte[0]);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(registry.get("/v2/" + repo + "/blobs/" + blob.digest()).body()).isEqualTo(blob.content());
    }

    @Test
    void singlePostWithDigestCreatesBlob() {
        String repo = SpecClient.uniqueRepository("push");
        Blob blob = Blob.random(777);

        Response r = registry.post(withQuery("/v2/" + repo + "/blobs/uploads/", "digest", blob.digest()),
                blob.content(), "Content-Type", OCTET_STREAM);

        assertThat(r.status()).as("%s", r).isEqualTo(201);
        Response pulled = registry.get(r.location());
        assertThat(pulled.status()).as("%s", pulled).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo(blob.content());
    }

    @Test
    void singlePostWithWrongDigestIsRejectedWithDigestInvalid() {
        String repo = SpecClient.uniqueRepository("push");
        Blob claimed = Blob.random(100);

        Response r = registry.post(withQuery("/v2/" + repo + "/blobs/uploads/", "digest", claimed.digest()),
                SpecClient.randomBytes(100), "Content-Type", OCTET_STREAM);

        assertError(r, 400, "DIGEST_INVALID");
        assertThat(registry.head("/v2/" + repo + "/blobs/" + claimed.digest()).status()).isEqualTo(404);
    }

    @Test
    void singlePostWithMalformedDigestIs400DigestInvalid() {
        String repo = SpecClient.uniqueRepository("push");

        Response r = registry.post(withQuery("/v2/" + repo + "/blobs/uploads/", "digest", "sha256:abc"),
                SpecClient.randomBytes(10), "Content-Type", OCTET_STREAM);

        assertError(r, 400, "DIGEST_INVALID");
    }

    @Test
    void uploadPutWithWrongDigestIsRejectedAndBlobIsNotStored() {
        String repo = SpecClient.uniqueRepository("push");
        Blob claimed = Blob.random(300);
        Response started = registry.startUpload(repo);

        Response put = registry.put(withQuery(started.location(), "digest", claimed.digest()),
                SpecClient.randomBytes(300), "Content-Type", OCTET_STREAM);

        assertError(put, 400, "DIGEST_INVALID");
        assertThat(registry.get("/v2/" + repo + "/blobs/" + claimed.digest()).status()).isEqualTo(404);
        assertThat(registry.head("/v2/" + repo + "/blobs/" + claimed.digest()).status()).isEqualTo(404);
    }

    @Test
    void uploadPutWithMalformedDigestIs400DigestInvalid() {
        String repo = SpecClient.uniqueRepository("push");
        Response started = registry.startUpload(repo);

        Response put = registry.put(withQuery(started.location(), "digest", "sha256:xyz"),
                SpecClient.randomBytes(10), "Content-Type", OCTET_STREAM);

        assertError(put, 400, "DIGEST_INVALID");
    }

    @Test
    void sha512DigestIsAcceptedForBlobs() {
        String repo = SpecClient.uniqueRepository("push");
        Blob blob = Blob.sha512Of(SpecClient.randomBytes(4000));
        Response started = registry.startUpload(repo);

        Response put = registry.put(withQuery(started.location(), "digest", blob.digest()), blob.content(),
                "Content-Type", OCTET_STREAM);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        Response pulled = registry.get("/v2/" + repo + "/blobs/" + blob.digest());
        assertThat(pulled.status()).as("%s", pulled).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo(blob.content());
        String served = pulled.header("Docker-Content-Digest");
        if (served != null) {
            // The spec lets the registry answer with its canonical digest, which must match the body.
            assertThat(served).isEqualTo(SpecClient.digestLike(served, blob.content()));
        }
    }

    // ================================================================ chunked uploads

    @Test
    void chunkedUploadReportsProgressAndCreatesBlob() {
        String repo = SpecClient.uniqueRepository("push");
        byte[] content = SpecClient.randomBytes(1777);
        byte[] first = Arrays.copyOfRange(content, 0, 1000);
        byte[] second = Arrays.copyOfRange(content, 1000, 1777);
        Response started = registry.startUpload(repo);
        String uuid = started.header("Docker-Upload-UUID");

        Response one = registry.patch(started.location(), first,
                "Content-Type", OCTET_STREAM, "Content-Range", "0-999");
        assertThat(one.status()).as("%s", one).isEqualTo(202);
        assertThat(one.header("Range")).isEqualTo("0-999");
        assertThat(one.header("Location")).isNotBlank();
        assertThat(one.header("Docker-Upload-UUID")).isEqualTo(uuid);

        Response two = registry.patch(one.location(), second,
                "Content-Type", OCTET_STREAM, "Content-Range", "1000-1776");
        assertThat(two.status()).as("%s", two).isEqualTo(202);
        assertThat(two.header("Range")).isEqualTo("0-1776");
        assertThat(two.header("Docker-Upload-UUID")).isEqualTo(uuid);

        String digest = sha256(content);
        Response put = registry.put(withQuery(two.location(), "digest", digest), new byte[0]);
        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.header("Docker-Content-Digest")).isEqualTo(digest);
        Response pulled = registry.get(put.location());
        assertThat(pulled.status()).as("%s", pulled).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo(content);
    }

    @Test
    void finalChunkMayBeSentWithTheClosingPut() {
        String repo = SpecClient.uniqueRepository("push");
        byte[] content = SpecClient.randomBytes(1500);
        Response started = registry.startUpload(repo);

        Response one = registry.patch(started.location(), Arrays.copyOfRange(content, 0, 1000),
                "Content-Type", OCTET_STREAM, "Content-Range", "0-999");
        assertThat(one.status()).as("%s", one).isEqualTo(202);
        Response put = registry.put(withQuery(one.location(), "digest", sha256(content)),
                Arrays.copyOfRange(content, 1000, 1500),
                "Content-Type", OCTET_STREAM, "Content-Range", "1000-1499");

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(registry.get("/v2/" + repo + "/blobs/" + sha256(content)).body()).isEqualTo(content);
    }

    @Test
    void uploadStatusAnswers204WithLocationAndRange() {
        String repo = SpecClient.uniqueRepository("push");
        Response started = registry.startUpload(repo);
        Response one = registry.patch(started.location(), SpecClient.randomBytes(600),
                "Content-Type", OCTET_STREAM, "Content-Range", "0-599");
        assertThat(one.status()).as("%s", one).isEqualTo(202);

        Response status = registry.get(one.location());

        assertThat(status.status()).as("%s", status).isEqualTo(204);
        assertThat(status.header("Location")).isNotBlank();
        assertThat(status.header("Range")).isEqualTo("0-599");
        assertThat(status.header("Docker-Upload-UUID")).isEqualTo(started.header("Docker-Upload-UUID"));
    }

    @Test
    void outOfOrderChunkIsRejectedWith416() {
        String repo = SpecClient.uniqueRepository("push");
        Response started = registry.startUpload(repo);

        Response r = registry.patch(started.location(), SpecClient.randomBytes(500),
                "Content-Type", OCTET_STREAM, "Content-Range", "1000-1499");

        assertError(r, 416, "BLOB_UPLOAD_INVALID");
    }

    @Test
    void repeatedChunkIsRejectedWith416AndUploadKeepsItsOffset() {
        String repo = SpecClient.uniqueRepository("push");
        byte[] chunk = SpecClient.randomBytes(1000);
        Response started = registry.startUpload(repo);
        Response one = registry.patch(started.location(), chunk,
                "Content-Type", OCTET_STREAM, "Content-Range", "0-999");
        assertThat(one.status()).as("%s", one).isEqualTo(202);

        Response again = registry.patch(one.location(), chunk,
                "Content-Type", OCTET_STREAM, "Content-Range", "0-999");
        assertError(again, 416, "BLOB_UPLOAD_INVALID");

        Response status = registry.get(one.location());
        assertThat(status.status()).as("%s", status).isEqualTo(204);
        assertThat(status.header("Range")).isEqualTo("0-999");
        Response put = registry.put(withQuery(status.location(), "digest", sha256(chunk)), new byte[0]);
        assertThat(put.status()).as("the upload still completes with the first chunk only: %s", put)
                .isEqualTo(201);
    }

    @Test
    void cancelledUploadAnswers204AndIsThenUnknown() {
        String repo = SpecClient.uniqueRepository("push");
        Response started = registry.startUpload(repo);

        Response cancelled = registry.delete(started.location());
        assertThat(cancelled.status()).as("%s", cancelled).isEqualTo(204);

        assertError(registry.get(started.location()), 404, "BLOB_UPLOAD_UNKNOWN");
        assertError(registry.patch(started.location(), SpecClient.randomBytes(10),
                "Content-Type", OCTET_STREAM), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void completedUploadIsNoLongerKnown() {
        String repo = SpecClient.uniqueRepository("push");
        Blob blob = Blob.random(100);
        Response started = registry.startUpload(repo);
        Response put = registry.put(withQuery(started.location(), "digest", blob.digest()), blob.content(),
                "Content-Type", OCTET_STREAM);
        assertThat(put.status()).as("%s", put).isEqualTo(201);

        assertError(registry.get(started.location()), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void unknownUploadUuidIs404BlobUploadUnknown() {
        String repo = SpecClient.uniqueRepository("push");
        registry.pushBlob(repo, Blob.random(10));
        String upload = "/v2/" + repo + "/blobs/uploads/" + UUID.randomUUID();
        Blob blob = Blob.random(10);

        assertError(registry.get(upload), 404, "BLOB_UPLOAD_UNKNOWN");
        assertError(registry.patch(upload, blob.content(), "Content-Type", OCTET_STREAM),
                404, "BLOB_UPLOAD_UNKNOWN");
        assertError(registry.put(withQuery(upload, "digest", blob.digest()), blob.content(),
                "Content-Type", OCTET_STREAM), 404, "BLOB_UPLOAD_UNKNOWN");
        assertError(registry.delete(upload), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    // ================================================================ cross-repository mounts

    @Test
    void crossRepositoryMountAnswers201AndBlobIsReadable() {
        String source = SpecClient.uniqueRepository("mount-from");
        String target = SpecClient.uniqueRepository("mount-to");
        Blob blob = registry.pushBlob(source, Blob.random(900));

        Response r = registry.post("/v2/" + target + "/blobs/uploads/?mount=" + blob.digest() + "&from=" + source,
                new byte[0]);

        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(URI.create(r.location()).getPath()).isEqualTo("/v2/" + target + "/blobs/" + blob.digest());
        assertThat(r.header("Docker-Content-Digest")).isEqualTo(blob.digest());
        Response pulled = registry.get("/v2/" + target + "/blobs/" + blob.digest());
        assertThat(pulled.status()).as("%s", pulled).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo(blob.content());
    }

    /**
     * The OCI conformance suite's client (reggie) sends each request without credentials, then
     * with a token for exactly the challenge's scope: the challenge of a mount must name pull on
     * {@code from}, or the token cannot mount and the push uploads what the registry holds.
     */
    @Test
    void crossRepositoryMountIs201ForAClientAskingOnlyForTheChallengedScope() throws Exception {
        String source = SpecClient.uniqueRepository("mount-from");
        String target = SpecClient.uniqueRepository("mount-to");
        Blob blob = registry.pushBlob(source, Blob.random(700));
        String mount = "/v2/" + target + "/blobs/uploads/?mount=" + blob.digest() + "&from=" + source;
        SpecClient anonymous = new SpecClient(registryUrl(), http());

        Response r = anonymous.post(mount, new byte[0]);
        if (r.status() == 401) {
            String challenge = r.header("WWW-Authenticate");
            assertThat(challenge).contains("repository:" + source + ":pull");
            String token = ChallengedToken.fetch(http(), challenge, registryAccount());
            r = anonymous.post(mount, new byte[0], "Authorization", "Bearer " + token);
        }

        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(URI.create(r.location()).getPath()).isEqualTo("/v2/" + target + "/blobs/" + blob.digest());
        assertThat(r.header("Docker-Content-Digest")).isEqualTo(blob.digest());
        assertThat(registry.get("/v2/" + target + "/blobs/" + blob.digest()).body()).isEqualTo(blob.content());
    }

    @Test
    void mountWithoutFromMountsABlobTheRegistryHolds() {
        String source = SpecClient.uniqueRepository("mount-from");
        String target = SpecClient.uniqueRepository("mount-to");
        Blob blob = registry.pushBlob(source, Blob.random(900));

        Response r = registry.post("/v2/" + target + "/blobs/uploads/?mount=" + blob.digest(), new byte[0]);

        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(URI.create(r.location()).getPath()).isEqualTo("/v2/" + target + "/blobs/" + blob.digest());
        assertThat(registry.get("/v2/" + target + "/blobs/" + blob.digest()).body()).isEqualTo(blob.content());
    }

    @Test
    void mountOfUnknownBlobStartsAnUploadInstead() {
        String source = SpecClient.uniqueRepository("mount-from");
        String target = SpecClient.uniqueRepository("mount-to");
        registry.pushBlob(source, Blob.random(10));
        Blob blob = Blob.random(400);

        Response r = registry.post("/v2/" + target + "/blobs/uploads/?mount=" + blob.digest() + "&from=" + source,
                new byte[0]);

        assertThat(r.status()).as("%s", r).isEqualTo(202);
        assertThat(URI.create(r.location()).getPath()).startsWith("/v2/" + target + "/blobs/uploads/");
        Response put = registry.put(withQuery(r.location(), "digest", blob.digest()), blob.content(),
                "Content-Type", OCTET_STREAM);
        assertThat(put.status()).as("the upload session it started works: %s", put).isEqualTo(201);
    }

    // ================================================================ manifests

    @Test
    void ociImageManifestPushAnswers201WithLocationAndDigest() {
        String repo = SpecClient.uniqueRepository("push");
        Blob config = registry.pushBlob(repo, SpecClient.imageConfig());
        Blob layer = registry.pushBlob(repo, Blob.random(100));
        byte[] manifest = toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_MANIFEST,
                "config", config.descriptor(MediaTypes.OCI_CONFIG),
                "layers", List.of(layer.descriptor(MediaTypes.OCI_LAYER_GZIP))));

        Response r = registry.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.header("Docker-Content-Digest")).isEqualTo(sha256(manifest));
        Response pulled = registry.get(r.location(), "Accept", SpecClient.ACCEPT_MANIFESTS);
        assertThat(pulled.status()).as("Location is a pullable manifest URL: %s", pulled).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo(manifest);
    }

    @Test
    void manifestWithNoLayersIsAccepted() {
        String repo = SpecClient.uniqueRepository("push");
        Blob config = registry.pushBlob(repo, SpecClient.imageConfig());
        byte[] manifest = SpecClient.configOnlyManifest(config);

        registry.pushManifest(repo, "empty", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(registry.getManifest(repo, "empty").body()).isEqualTo(manifest);
    }

    @Test
    void manifestIsPushedByDigest() {
        String repo = SpecClient.uniqueRepository("push");
        Blob config = registry.pushBlob(repo, SpecClient.imageConfig());
        byte[] manifest = SpecClient.configOnlyManifest(config);
        String digest = sha256(manifest);

        Response r = registry.putManifest(repo, digest, MediaTypes.OCI_MANIFEST, manifest);

        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.header("Docker-Content-Digest")).isEqualTo(digest);
        assertThat(registry.getManifest(repo, digest).body()).isEqualTo(manifest);
    }

    @Test
    void pushingATagAgainMovesItToTheNewManifest() {
        String repo = SpecClient.uniqueRepository("push");
        Image first = registry.pushImage(repo, "moving");
        Image second = registry.pushImage(repo, "moving");

        Response r = registry.getManifest(repo, "moving");

        assertThat(r.header("Docker-Content-Digest")).isEqualTo(second.digest());
        assertThat(r.body()).isEqualTo(second.manifest());
        assertThat(registry.getManifest(repo, first.digest()).status())
                .as("the old manifest is still there by digest").isEqualTo(200);
    }

    @Test
    void ociIndexIsAcceptedAndServedWithItsMediaType() {
        String repo = SpecClient.uniqueRepository("push");
        Image amd64 = registry.pushImage(repo, null);
        Image arm64 = registry.pushImage(repo, null);
        byte[] index = toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_INDEX,
                "manifests", List.of(
                        withPlatform(amd64.descriptor(), "amd64"),
                        withPlatform(arm64.descriptor(), "arm64"))));

        String digest = registry.pushManifest(repo, "multi", MediaTypes.OCI_INDEX, index);

        assertManifest(registry.getManifest(repo, "multi"), index, MediaTypes.OCI_INDEX, digest);
    }

    @Test
    void dockerSchema2ManifestIsAcceptedAndServedWithItsMediaType() {
        String repo = SpecClient.uniqueRepository("push");
        byte[] manifest = pushDockerImage(repo);

        String digest = registry.pushManifest(repo, "docker", MediaTypes.DOCKER_MANIFEST, manifest);

        assertManifest(registry.getManifest(repo, "docker"), manifest, MediaTypes.DOCKER_MANIFEST, digest);
    }

    @Test
    void dockerManifestListIsAcceptedAndServedWithItsMediaType() {
        String repo = SpecClient.uniqueRepository("push");
        byte[] amd64 = pushDockerImage(repo);
        byte[] arm64 = pushDockerImage(repo);
        registry.pushManifest(repo, sha256(amd64), MediaTypes.DOCKER_MANIFEST, amd64);
        registry.pushManifest(repo, sha256(arm64), MediaTypes.DOCKER_MANIFEST, arm64);
        byte[] list = toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.DOCKER_MANIFEST_LIST,
                "manifests", List.of(
                        withPlatform(dockerDescriptor(amd64), "amd64"),
                        withPlatform(dockerDescriptor(arm64), "arm64"))));

        String digest = registry.pushManifest(repo, "list", MediaTypes.DOCKER_MANIFEST_LIST, list);

        assertManifest(registry.getManifest(repo, "list"), list, MediaTypes.DOCKER_MANIFEST_LIST, digest);
    }

    @Test
    void manifestIsStoredByteForByteIncludingOddWhitespace() {
        String repo = SpecClient.uniqueRepository("push");
        Blob config = registry.pushBlob(repo, SpecClient.imageConfig());
        Blob layer = registry.pushBlob(repo, Blob.random(64));
        String text = "{\n"
                + "   \"schemaVersion\" :2 ,\r\n"
                + "\t\"mediaType\":    \"" + MediaTypes.OCI_MANIFEST + "\",\n"
                + "\"config\":{\"size\":" + config.size() + ",\"digest\":\"" + config.digest()
                + "\",  \"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\"},\n\n"
                + "  \"layers\" : [ {\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\""
                + layer.digest() + "\",\"size\":" + layer.size() + "}\t] ,\n"
                + "  \"annotations\": {\"note\": \"caf\u00e9 \\u00e9  and   spaces\"}\n"
                + "}\n\n";
        byte[] manifest = text.getBytes(StandardCharsets.UTF_8);
        String digest = sha256(manifest);

        Response put = registry.putManifest(repo, "odd", MediaTypes.OCI_MANIFEST, manifest);
        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.header("Docker-Content-Digest")).isEqualTo(digest);

        for (String reference : List.of("odd", digest)) {
            Response r = registry.getManifest(repo, reference);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.body()).as("bytes served for %s", reference).isEqualTo(manifest);
            assertThat(r.header("Content-Type")).isEqualTo(MediaTypes.OCI_MANIFEST);
            assertThat(r.header("Docker-Content-Digest")).isEqualTo(digest);
        }
    }

    @Test
    void manifestReferencingMissingLayerIsRejectedWithManifestBlobUnknown() {
        String repo = SpecClient.uniqueRepository("push");
        Blob config = registry.pushBlob(repo, SpecClient.imageConfig());
        byte[] manifest = toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_MANIFEST,
                "config", config.descriptor(MediaTypes.OCI_CONFIG),
                "layers", List.of(obj("mediaType", MediaTypes.OCI_LAYER_GZIP, "digest", MISSING_DIGEST, "size", 3))));

        assertError(registry.putManifest(repo, "broken", MediaTypes.OCI_MANIFEST, manifest),
                400, "MANIFEST_BLOB_UNKNOWN");
        assertThat(registry.getManifest(repo, "broken").status()).isEqualTo(404);
    }

    @Test
    void manifestReferencingMissingConfigIsRejectedWithManifestBlobUnknown() {
        String repo = SpecClient.uniqueRepository("push");
        registry.pushBlob(repo, Blob.random(10));
        byte[] manifest = toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_MANIFEST,
                "config", obj("mediaType", MediaTypes.OCI_CONFIG, "digest", MISSING_DIGEST, "size", 3),
                "layers", List.of()));

        assertError(registry.putManifest(repo, "broken", MediaTypes.OCI_MANIFEST, manifest),
                400, "MANIFEST_BLOB_UNKNOWN");
    }

    @Test
    void indexReferencingMissingManifestIsRejectedWithManifestBlobUnknown() {
        String repo = SpecClient.uniqueRepository("push");
        Image present = registry.pushImage(repo, "present");
        byte[] index = toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_INDEX,
                "manifests", List.of(
                        withPlatform(present.descriptor(), "amd64"),
                        withPlatform(obj("mediaType", MediaTypes.OCI_MANIFEST, "digest", MISSING_DIGEST, "size", 3),
                                "arm64"))));

        assertError(registry.putManifest(repo, "broken", MediaTypes.OCI_INDEX, index),
                400, "MANIFEST_BLOB_UNKNOWN");
        assertThat(registry.getManifest(repo, "broken").status()).isEqualTo(404);
    }

    @Test
    void schema1ManifestIsRefusedWithAClearError() {
        String repo = SpecClient.uniqueRepository("push");
        registry.pushImage(repo, "v1");
        byte[] schema1 = toJson(obj(
                "schemaVersion", 1,
                "name", repo,
                "tag", "old",
                "architecture", "amd64",
                "fsLayers", List.of(obj("blobSum", MISSING_DIGEST)),
                "history", List.of(obj("v1Compatibility", "{}"))));

        for (String mediaType : List.of(MediaTypes.DOCKER_SCHEMA1, MediaTypes.DOCKER_SCHEMA1_SIGNED)) {
            Response r = registry.putManifest(repo, "old", mediaType, schema1);
            assertError(r, 400, "MANIFEST_INVALID", "UNSUPPORTED");
            assertThat(r.json().get("errors").get(0).get("message").stringValue())
                    .as("message of %s", r).isNotBlank();
        }
        assertThat(registry.getManifest(repo, "old").status()).isEqualTo(404);
    }

    @Test
    void invalidManifestJsonIsRejectedWithManifestInvalid() {
        String repo = SpecClient.uniqueRepository("push");
        registry.pushImage(repo, "v1");

        Response r = registry.putManifest(repo, "bad", MediaTypes.OCI_MANIFEST,
                "{\"schemaVersion\": 2, \"mediaType\": ".getBytes(StandardCharsets.UTF_8));

        assertError(r, 400, "MANIFEST_INVALID");
    }

    @Test
    void manifestOverFourMebibytesIsRefused() {
        String repo = SpecClient.uniqueRepository("push");
        Blob config = registry.pushBlob(repo, SpecClient.imageConfig());
        byte[] manifest = paddedManifest(config, 4 * 1024 * 1024 + 64 * 1024);
        assertThat(manifest.length).isGreaterThan(4 * 1024 * 1024);

        Response r = registry.putManifest(repo, "huge", MediaTypes.OCI_MANIFEST, manifest);

        // The spec: SHOULD answer 413 Payload Too Large. A 400 MANIFEST_INVALID is also a refusal.
        assertThat(r.status()).as("%s", r).isIn(400, 413);
        assertError(r, r.status(), "MANIFEST_INVALID", "SIZE_INVALID");
        assertThat(registry.getManifest(repo, "huge").status()).isEqualTo(404);
    }

    @Test
    void manifestOfThreeAndAHalfMebibytesIsAccepted() {
        String repo = SpecClient.uniqueRepository("push");
        Blob config = registry.pushBlob(repo, SpecClient.imageConfig());
        byte[] manifest = paddedManifest(config, 3 * 1024 * 1024 + 512 * 1024);

        registry.pushManifest(repo, "large", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(registry.getManifest(repo, "large").body()).isEqualTo(manifest);
    }

    @Test
    void manifestPutByDigestWithMismatchingBytesIsRejectedWithDigestInvalid() {
        String repo = SpecClient.uniqueRepository("push");
        Blob config = registry.pushBlob(repo, SpecClient.imageConfig());
        byte[] manifest = SpecClient.configOnlyManifest(config);
        String otherDigest = sha256("something else".getBytes(StandardCharsets.UTF_8));

        assertError(registry.putManifest(repo, otherDigest, MediaTypes.OCI_MANIFEST, manifest),
                400, "DIGEST_INVALID");
        assertThat(registry.getManifest(repo, otherDigest).status()).isEqualTo(404);
        assertThat(registry.getManifest(repo, sha256(manifest)).status()).isEqualTo(404);
    }

    @Test
    void manifestPutWithMalformedDigestReferenceIs400DigestInvalid() {
        String repo = SpecClient.uniqueRepository("push");
        Image image = registry.pushImage(repo, "v1");

        assertError(registry.putManifest(repo, "sha256:xyz", MediaTypes.OCI_MANIFEST, image.manifest()),
                400, "DIGEST_INVALID");
    }

    @Test
    void repositoryNameWithAllowedSeparatorsIsAccepted() {
        String repo = "spec/a__b.c-d/e--f_g-" + SpecClient.randomHex(4);

        Image image = registry.pushImage(repo, "v1");

        assertThat(registry.getManifest(repo, "v1").body()).isEqualTo(image.manifest());
    }

    // ================================================================ helpers

    /** Pushes a fresh Docker config and layer and returns a schema2 manifest for them (not pushed). */
    private byte[] pushDockerImage(String repo) {
        Blob config = registry.pushBlob(repo, SpecClient.imageConfig());
        Blob layer = registry.pushBlob(repo, Blob.random(256));
        return toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.DOCKER_MANIFEST,
                "config", config.descriptor(MediaTypes.DOCKER_CONFIG),
                "layers", List.of(layer.descriptor(MediaTypes.DOCKER_LAYER_GZIP))));
    }

    private static Map<String, Object> dockerDescriptor(byte[] manifest) {
        return obj("mediaType", MediaTypes.DOCKER_MANIFEST, "digest", sha256(manifest), "size", (long) manifest.length);
    }

    private static Map<String, Object> withPlatform(Map<String, Object> descriptor, String architecture) {
        descriptor.put("platform", obj("architecture", architecture, "os", "linux"));
        return descriptor;
    }

    /** An image manifest padded with an annotation to at least {@code size} bytes. */
    private static byte[] paddedManifest(Blob config, int size) {
        return toJson(obj(
                "schemaVersion", 2,
                "mediaType", MediaTypes.OCI_MANIFEST,
                "config", config.descriptor(MediaTypes.OCI_CONFIG),
                "layers", List.of(),
                "annotations", obj("io.stevedore.spec.padding", "x".repeat(size))));
    }
}
