package io.stevedore.client;

import static io.stevedore.client.ClientTestImages.pushBlobsOfAnImage;
import static io.stevedore.client.ClientTestImages.randomBytes;
import static io.stevedore.client.ClientTestImages.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.oci.Descriptor;
import io.stevedore.oci.Digest;
import io.stevedore.oci.MediaTypes;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.RegistryTestSupport;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.LocalFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against the real Stevedore server without authentication. */
class RegistryClientTest extends RegistryTestSupport {
    @TempDir
    Path work;

    private RegistryClient client;

    @BeforeEach
    void connect() {
        client = RegistryClient.builder(registryHost()).build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    private static RepositoryName repository(String prefix) {
        return RepositoryName.of("client/" + uniqueName(prefix));
    }

    private Path file(byte[] content) throws IOException {
        return Files.write(Files.createTempFile(work, "blob", ".bin"), content);
    }

    @Test
    void loopbackRegistriesAreSpokenToInPlainHttp() {
        assertThat(client.baseUri().toString()).isEqualTo("http://" + registryHost());
        assertThat(RegistryClient.builder("docker.io").build().baseUri().toString())
                .isEqualTo("https://registry-1.docker.io");
        assertThat(RegistryClient.builder("registry.example.com").build().baseUri().getScheme()).isEqualTo("https");
        assertThat(RegistryClient.builder("registry.example.com").insecure(true).build().baseUri().getScheme())
                .isEqualTo("http");
        assertThat(RegistryClient.builder("[::1]:5000").build().baseUri().toString()).isEqualTo("http://[::1]:5000");
    }

    @Test
    void aBlobPushedFromAFileIsFetchedBackVerified() throws IOException {
        RepositoryName repository = repository("blob");
        byte[] content = randomBytes(3 * 1024 * 1024 + 17);
        Digest digest = Digest.sha256(content);

        client.pushBlob(repository, digest, content.length, file(content));

        assertThat(client.blobSize(repository, digest)).contains((long) content.length);
        Path target = work.resolve("fetched/layer.tar.gz");
        client.fetchBlob(repository, digest, target);
        assertThat(Files.readAllBytes(target)).isEqualTo(content);
        assertThat(Files.list(target.getParent())).as("no temporary file left").containsExactly(target);
        try (InputStream in = client.openBlob(repository, digest)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void aBlobTheRepositoryHasIsNotUploadedAgain() throws IOException {
        RepositoryName repository = repository("exists");
        byte[] content = randomBytes(4096);
        Digest digest = Digest.sha256(content);
        client.pushBlob(repository, digest, content);

        // Other bytes under the same digest would be refused as DIGEST_INVALID if they were sent.
        client.pushBlob(repository, digest, content.length, file(randomBytes(4096)));

        assertThat(client.blobSize(repository, digest)).contains(4096L);
    }

    @Test
    void pushOfWrongDigestIsRejected() throws IOException {
        RepositoryName repository = repository("wrong");
        byte[] content = randomBytes(1000);
        Digest claimed = Digest.sha256(randomBytes(1000));

        assertThatThrownBy(() -> client.pushBlob(repository, claimed, content.length, file(content)))
                .isInstanceOfSatisfying(RegistryClientException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.errorCode()).isEqualTo("DIGEST_INVALID");
                    assertThat(e.getMessage()).contains("push blob " + claimed);
                });
        assertThat(client.blobSize(repository, claimed)).isEmpty();
    }

    @Test
    void theChunkedFallbackUploadsAFileInSeveralPatches() throws IOException {
        RepositoryName repository = repository("chunked");
        byte[] content = randomBytes(2 * 1024 * 1024 + 5);
        Digest digest = Digest.sha256(content);

        client.pusher().pushInChunks(repository, digest, BlobPusher.of(file(content), content.length), 1024 * 1024);

        try (InputStream in = client.openBlob(repository, digest)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        byte[] small = randomBytes(3000);
        client.pusher().pushInChunks(repository, Digest.sha256(small), BlobPusher.of(small), 1000);
        assertThat(client.blobSize(repository, Digest.sha256(small))).contains(3000L);
    }

    @Test
    void aFileOfAnotherSizeThanClaimedIsRefusedBeforeAnyUpload() throws IOException {
        byte[] content = randomBytes(10);
        Path file = file(content);
        assertThatThrownBy(() -> client.pushBlob(repository("size"), Digest.sha256(content), 11, file))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 10 bytes, not 11");
    }

    @Test
    void aBlobIsMountedAcrossRepositoriesAndAnUnknownOneIsNot() {
        RepositoryName source = repository("mount-from");
        RepositoryName target = repository("mount-to");
        byte[] content = randomBytes(2048);
        Digest digest = Digest.sha256(content);
        client.pushBlob(source, digest, content);

        assertThat(client.mountBlob(target, digest, source)).isTrue();
        assertThat(client.blobSize(target, digest)).contains(2048L);

        Digest unknown = Digest.sha256(randomBytes(16));
        assertThat(client.mountBlob(target, unknown, source)).isFalse();
        assertThat(client.blobSize(target, unknown)).isEmpty();
    }

    @Test
    void aManifestAndAnIndexArePushedAndFetchedByTagAndDigest() {
        RepositoryName repository = repository("image");
        byte[] manifest = pushBlobsOfAnImage(client, repository, 5000);

        Digest manifestDigest = client.pushManifest(repository, "1.0", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(manifestDigest).isEqualTo(Digest.sha256(manifest));
        ManifestResponse byTag = client.fetchManifest(repository, "1.0");
        assertThat(byTag.body()).isEqualTo(manifest);
        assertThat(byTag.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(byTag.digest()).isEqualTo(manifestDigest);
        assertThat(client.fetchManifest(repository, manifestDigest.toString()).body()).isEqualTo(manifest);
        assertThat(client.headManifest(repository, "1.0"))
                .contains(Descriptor.of(MediaTypes.OCI_MANIFEST, manifestDigest, manifest.length));

        byte[] index = ClientTestImages.index(manifest);
        Digest indexDigest = client.pushManifest(repository, "multi", MediaTypes.OCI_INDEX, index);
        ManifestResponse fetchedIndex = client.fetchManifest(repository, "multi");
        assertThat(fetchedIndex.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(fetchedIndex.digest()).isEqualTo(indexDigest).isEqualTo(Digest.sha256(index));
    }

    @Test
    void aMissingManifestIsNotFoundInPlainWords() {
        RepositoryName repository = repository("missing");
        client.pushBlob(repository, Digest.sha256(new byte[] {1}), new byte[] {1});

        assertThatThrownBy(() -> client.fetchManifest(repository, "nope"))
                .isInstanceOfSatisfying(RegistryClientException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo("MANIFEST_UNKNOWN");
                    assertThat(e.getMessage()).contains("manifest for " + registryHost() + "/" + repository
                            + ":nope not found");
                });
        assertThat(client.headManifest(repository, "nope")).isEmpty();
    }

    @Test
    void aCorruptedBlobIsDetectedAtTheEndOfTheStreamAndNeverLandsInTheTarget() throws IOException {
        assumeTrue(context() != null, "needs the registry's own storage to corrupt a blob");
        Optional<LocalFiles> local = Optional.of(context().getBean(BlobStore.class))
                .filter(LocalFiles.class::isInstance).map(LocalFiles.class::cast);
        assumeTrue(local.isPresent(), "needs a store that keeps blobs as local files");
        RepositoryName repository = repository("corrupt");
        byte[] content = randomBytes(100_000);
        Digest digest = Digest.sha256(content);
        client.pushBlob(repository, digest, content);
        Path stored = local.get().localFile(digest).orElseThrow();
        byte[] corrupted = content.clone();
        corrupted[50_000] ^= 0x01;
        Files.write(stored, corrupted);

        try (InputStream in = client.openBlob(repository, digest)) {
            assertThatThrownBy(in::readAllBytes).isInstanceOfSatisfying(BlobDigestMismatchException.class, e -> {
                assertThat(e.expected()).isEqualTo(digest);
                assertThat(e.actual()).isEqualTo(Digest.sha256(corrupted));
            });
        }
        Path target = work.resolve("corrupt/blob");
        assertThatThrownBy(() -> client.fetchBlob(repository, digest, target))
                .isInstanceOfSatisfying(RegistryClientException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("DIGEST_INVALID"));
        assertThat(target).doesNotExist();
        assertThat(Files.list(target.getParent())).as("no temporary file left").isEmpty();
    }

    @Test
    void aManifestFetchedByDigestIsCheckedAgainstIt() {
        RepositoryName repository = repository("bydigest");
        byte[] manifest = pushBlobsOfAnImage(client, repository, 10);
        Digest digest = client.pushManifest(repository, "1", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(client.fetchManifest(repository, digest.toString()).digest()).isEqualTo(digest);
        Digest other = Digest.sha256(randomBytes(8));
        assertThatThrownBy(() -> client.fetchManifest(repository, other.toString()))
                .isInstanceOfSatisfying(RegistryClientException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void tagsAreListedAcrossPages() {
        RepositoryName repository = repository("tags");
        byte[] manifest = pushBlobsOfAnImage(client, repository, 10);
        List<String> pushed = new ArrayList<>();
        for (String tag : List.of("a", "b", "c", "d", "e")) {
            client.pushManifest(repository, tag, MediaTypes.OCI_MANIFEST, manifest);
            pushed.add(tag);
        }

        assertThat(client.listTags(repository, 2)).containsExactlyElementsOf(pushed);
        assertThat(client.listTags(repository)).containsExactlyElementsOf(pushed);
        assertThat(client.listTags(repository("never-pushed"))).isEmpty();
    }

    @Test
    void anUnreachableRegistryIsSaidToBeUnreachable() {
        try (RegistryClient nowhere = RegistryClient.builder("127.0.0.1:1").build()) {
            assertThatThrownBy(() -> nowhere.fetchManifest(RepositoryName.of("any/thing"), "1"))
                    .isInstanceOfSatisfying(RegistryUnreachableException.class, e -> {
                        assertThat(e.status()).isZero();
                        assertThat(e.getMessage()).contains("registry 127.0.0.1:1 is unreachable")
                                .contains("pull manifest 127.0.0.1:1/any/thing:1");
                    });
        }
    }

    @Test
    void aReferenceThatIsNeitherTagNorDigestIsRefusedBeforeAnyRequest() {
        assertThatThrownBy(() -> client.fetchManifest(RepositoryName.of("a/b"), "../../etc"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
