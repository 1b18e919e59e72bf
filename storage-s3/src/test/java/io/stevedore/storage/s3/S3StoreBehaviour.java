package io.stevedore.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stevedore.oci.Digest;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.BlobStoreContract;
import io.stevedore.storage.DigestMismatchException;
import io.stevedore.storage.StaleUploads;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The BlobStore contract plus what is particular to S3, against a real S3 API: the subclass
 * supplies a bucket. Parts are S3's smallest (5 MiB) and the multipart copy threshold is two parts,
 * so every path is reached with a few MiB. Each test works under a prefix of its own.
 */
abstract class S3StoreBehaviour extends BlobStoreContract {
    static final int PART = (int) S3Settings.MIN_PART_SIZE;
    static final long COPY_THRESHOLD = 2L * PART;

    /** Settings for an existing bucket of the server under test. */
    protected abstract S3Settings bucketSettings();

    /** Every request the stores of a test send. */
    protected final RequestLog requests = new RequestLog();
    protected S3Settings settings;
    /** For looking at the bucket directly. */
    protected S3Client raw;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @Override
    protected BlobStore newStore() {
        settings = bucketSettings().withPrefix("test-" + UUID.randomUUID()).withMultipartCopyThreshold(COPY_THRESHOLD)
                .withRedirects(true);
        raw = track(S3Clients.client(settings));
        return openStore();
    }

    @Override
    protected BlobStore sameStorageElsewhere() {
        return openStore();
    }

    private S3BlobStore openStore() {
        S3Client client = track(S3Clients.builder(settings)
                .overrideConfiguration(c -> c.addExecutionInterceptor(requests)).build());
        S3Presigner presigner = track(S3Clients.presigner(settings));
        return new S3BlobStore(client, presigner, settings);
    }

    private <T extends AutoCloseable> T track(T client) {
        clients.add(client);
        return client;
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
    }

    private S3BlobStore s3Store() {
        return (S3BlobStore) store;
    }

    /** One request's worth: opens the session with {@code state}, appends, returns the new state. */
    private static String appendInOwnWriter(BlobStore target, String id, String state, byte[] content, int from, int to)
            throws IOException {
        try (UploadWriter writer = target.upload(id, state)) {
            assertThat(writer.size()).isEqualTo(from);
            assertThat(writer.append(new ByteArrayInputStream(content, from, to - from))).isEqualTo(to - from);
            assertThat(writer.size()).isEqualTo(to);
            return writer.state();
        }
    }

    private void commit(BlobStore target, String id, String state, Digest digest) throws IOException {
        try (UploadWriter writer = target.upload(id, state)) {
            writer.commit(digest);
        }
    }

    private void assertReadsBack(Digest digest, byte[] content) throws IOException {
        assertThat(store.stat(digest)).contains((long) content.length);
        try (InputStream in = store.read(digest, 0)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    private List<String> keysUnderPrefix() {
        return raw.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(settings.prefix()))
                .contents().stream().map(S3Object::key).toList();
    }

    private List<MultipartUpload> multipartUploadsUnderPrefix() {
        return raw.listMultipartUploadsPaginator(b -> b.bucket(settings.bucket()).prefix(settings.prefix()))
                .uploads().stream().toList();
    }

    /** By the exact key, which every S3 API answers (MinIO lists by nothing else). */
    private List<MultipartUpload> multipartUploadsOf(String uploadId) {
        String key = settings.prefix() + "uploads/" + uploadId + "/data";
        return raw.listMultipartUploadsPaginator(b -> b.bucket(settings.bucket()).prefix(key))
                .uploads().stream().toList();
    }

    /**
     * Whether ListMultipartUploads filters by any prefix, as S3 does; MinIO only answers for an
     * exact key (minio#20989), so there the janitor leaves aborting to MinIO's own expiry.
     */
    protected boolean listsMultipartUploadsByPrefix() {
        return true;
    }

    private long tailObjectSize(String id) {
        return raw.headObject(b -> b.bucket(settings.bucket()).key(settings.prefix() + "uploads/" + id + "/tail"))
                .contentLength();
    }

    private void assertNothingLeftOf(String... uploadIds) {
        assertThat(keysUnderPrefix()).isEmpty();
        assertThat(multipartUploadsUnderPrefix()).isEmpty();
        for (String id : uploadIds) {
            assertThat(multipartUploadsOf(id)).isEmpty();
        }
    }

    private List<String> readsOfAssembledData() {
        return requests.calls("GetObject").stream().map(RequestLog.Call::key).filter(k -> k.endsWith("/data")).toList();
    }

    @Test
    void chunksOfAnySizeAreGatheredIntoPartsOfExactlyThePartSizeWithTheTailKeptInS3() throws Exception {
        byte[] content = randomBytes(3 * PART + 1234, 20);
        // 10 bytes; almost a part; 30 bytes straddling the first part boundary; two parts and more
        // in one append; a few bytes.
        int[] cuts = {0, 10, PART - 10, PART + 20, 3 * PART + 100, content.length};
        String id = UploadIds.newId();
        String state = null;
        for (int i = 0; i + 1 < cuts.length; i++) {
            state = appendInOwnWriter(store, id, state, content, cuts[i], cuts[i + 1]);
            SessionState session = SessionState.fromJson(state);
            assertThat(session.parts()).allSatisfy(p -> assertThat(p.size()).isEqualTo(PART));
            assertThat(session.parts()).hasSize(cuts[i + 1] / PART);
            assertThat(session.tailSize()).isEqualTo(cuts[i + 1] % PART);
            assertThat(tailObjectSize(id)).as("the tail waits in S3, not in this process").isEqualTo(session.tailSize());
        }
        commit(store, id, state, Digest.sha256(content));

        List<RequestLog.Call> parts = requests.calls("UploadPart");
        assertThat(parts).hasSize(4);
        assertThat(parts.subList(0, 3)).allSatisfy(p -> assertThat(p.partSize()).isEqualTo(PART));
        assertThat(parts.get(3).partSize()).as("only the last part is shorter").isEqualTo(1234L);
        assertThat(readsOfAssembledData()).as("the running hash spares reading the blob back").isEmpty();
        assertReadsBack(Digest.sha256(content), content);
        assertThat(keysUnderPrefix()).containsExactly(settings.prefix() + "blobs/sha256/"
                + Digest.sha256(content).hex().substring(0, 2) + "/" + Digest.sha256(content).hex());
        assertThat(multipartUploadsOf(id)).isEmpty();
    }

    @Test
    void oneAppendSpanningSeveralPartsUploadsEachAsItFills() throws Exception {
        byte[] content = randomBytes(3 * PART + 5, 21);
        String id = UploadIds.newId();
        try (UploadWriter writer = store.upload(id)) {
            writer.append(new ByteArrayInputStream(content));
            SessionState session = SessionState.fromJson(writer.state());
            assertThat(session.parts()).extracting(SessionState.Part::number).containsExactly(1, 2, 3);
            assertThat(session.tailSize()).isEqualTo(5);
            writer.commit(Digest.sha256(content));
        }
        assertReadsBack(Digest.sha256(content), content);
    }

    @Test
    void aSessionContinuedByAnotherInstanceIsVerifiedByReadingItBack() throws Exception {
        byte[] content = randomBytes(2 * PART + 77, 22);
        String id = UploadIds.newId();
        String state = appendInOwnWriter(store, id, null, content, 0, PART + 10);
        BlobStore elsewhere = sameStorageElsewhere();
        state = appendInOwnWriter(elsewhere, id, state, content, PART + 10, content.length);
        commit(store, id, state, Digest.sha256(content));
        assertThat(readsOfAssembledData()).as("this process missed bytes, so it hashes what S3 assembled").hasSize(1);
        assertReadsBack(Digest.sha256(content), content);
        assertThat(multipartUploadsOf(id)).isEmpty();
    }

    @Test
    void sha512IsVerifiedByReadingTheAssembledBlobBack() throws Exception {
        byte[] content = randomBytes(PART + 10, 23);
        Digest sha512 = Digest.of("sha512", content);
        try (UploadWriter writer = store.upload(UploadIds.newId())) {
            writer.append(new ByteArrayInputStream(content));
            assertThat(writer.commit(sha512)).isEqualTo(content.length);
        }
        assertReadsBack(sha512, content);
    }

    @Test
    void aMismatchFoundByTheRunningHashLeavesNothingBehind() throws Exception {
        byte[] content = randomBytes(2 * PART + 3, 24);
        Digest claimed = Digest.sha256("not this".getBytes());
        String id = UploadIds.newId();
        try (UploadWriter writer = store.upload(id)) {
            writer.append(new ByteArrayInputStream(content));
            assertThat(multipartUploadsOf(id)).hasSize(1);
            assertThatThrownBy(() -> writer.commit(claimed)).isInstanceOf(DigestMismatchException.class);
        }
        assertNothingLeftOf(id);
    }

    @Test
    void aMismatchFoundByReadingBackLeavesNothingBehind() throws Exception {
        byte[] content = randomBytes(2 * PART + 3, 25);
        Digest claimed = Digest.sha256("not this".getBytes());
        String id = UploadIds.newId();
        String state = appendInOwnWriter(store, id, null, content, 0, PART + 1);
        state = appendInOwnWriter(sameStorageElsewhere(), id, state, content, PART + 1, content.length);
        try (UploadWriter writer = store.upload(id, state)) {
            assertThatThrownBy(() -> writer.commit(claimed)).isInstanceOf(DigestMismatchException.class);
        }
        assertThat(readsOfAssembledData()).hasSize(1);
        assertNothingLeftOf(id);
    }

    @Test
    void cancelAbortsTheMultipartUploadAndDeletesTheTail() throws Exception {
        byte[] content = randomBytes(PART + 10, 26);
        String id = UploadIds.newId();
        String state = appendInOwnWriter(store, id, null, content, 0, content.length);
        assertThat(multipartUploadsOf(id)).hasSize(1);
        try (UploadWriter writer = store.upload(id, state)) {
            writer.cancel();
        }
        assertNothingLeftOf(id);
    }

    @Test
    void smallSessionsArePutInOneRequestWithoutAMultipartUpload() throws Exception {
        byte[] content = randomBytes(1000, 27);
        put(content);
        assertThat(requests.calls("CreateMultipartUpload")).isEmpty();
        assertThat(requests.calls("PutObject")).extracting(RequestLog.Call::key)
                .contains(settings.prefix() + "blobs/sha256/" + Digest.sha256(content).hex().substring(0, 2) + "/"
                        + Digest.sha256(content).hex());
        assertThat(requests.calls("CopyObject")).isEmpty();
        assertNothingLeftUnderThePrefixBut(Digest.sha256(content));
    }

    @Test
    void blobsOverTheThresholdAreCopiedIntoPlaceRangeByRange() throws Exception {
        byte[] content = randomBytes((int) COPY_THRESHOLD + PART / 2, 28);
        Digest digest = put(content);
        assertThat(requests.calls("CopyObject")).isEmpty();
        assertThat(requests.calls("UploadPartCopy")).hasSize(3);
        assertReadsBack(digest, content);
        assertNothingLeftUnderThePrefixBut(digest);
    }

    @Test
    void blobsUpToTheThresholdAreCopiedInOneRequest() throws Exception {
        byte[] content = randomBytes(PART + 100, 29);
        Digest digest = put(content);
        assertThat(requests.calls("CopyObject")).hasSize(1);
        assertThat(requests.calls("UploadPartCopy")).isEmpty();
        assertReadsBack(digest, content);
        assertNothingLeftUnderThePrefixBut(digest);
    }

    @Test
    void readsStartAnywhereInAMultipartBlobAndAtItsEnd() throws Exception {
        byte[] content = randomBytes(2 * PART + 3, 30);
        Digest digest = put(content);
        try (InputStream in = store.read(digest, PART + 1)) {
            byte[] rest = in.readAllBytes();
            assertThat(rest).hasSize(PART + 2);
            assertThat(rest[0]).isEqualTo(content[PART + 1]);
        }
        try (InputStream in = store.read(digest, content.length)) {
            assertThat(in.readAllBytes()).isEmpty();
        }
        try (InputStream in = store.read(digest, 0)) {
            assertThat(in.readNBytes(10)).isEqualTo(java.util.Arrays.copyOf(content, 10)); // closed long before its end
        }
    }

    @Test
    void anAppendWithAStaleStateIsRefusedRatherThanWrittenAtTheWrongOffset() throws Exception {
        byte[] content = randomBytes(300, 31);
        String id = UploadIds.newId();
        String stale = appendInOwnWriter(store, id, null, content, 0, 100);
        appendInOwnWriter(store, id, stale, content, 100, 200);
        try (UploadWriter writer = store.upload(id, stale)) {
            assertThat(writer.size()).isEqualTo(100);
            assertThatThrownBy(() -> writer.append(new ByteArrayInputStream(content, 100, 200)))
                    .isInstanceOf(io.stevedore.storage.UploadLostException.class)
                    .hasMessageContaining("stale");
            assertThat(writer.state()).isEqualTo(stale);
            writer.cancel();
        }
    }

    /** A kill during the final PUT, after S3 assembled the parts: the record still names the session. */
    @Test
    void aCommitAfterAnInterruptedCommitOfTheSameSessionIsALostUpload() throws Exception {
        for (int size : new int[] {2 * PART, 2 * PART + 50}) { // no tail, and a tail to upload last
            byte[] content = randomBytes(size, 33);
            String id = UploadIds.newId();
            String state = appendInOwnWriter(store, id, null, content, 0, size);
            Digest digest = Digest.sha256(content);
            try (UploadWriter first = store.upload(id, state)) {
                first.commit(digest);
            }
            try (UploadWriter again = store.upload(id, state)) {
                assertThat(again.size()).isEqualTo(size);
                assertThatThrownBy(() -> again.commit(digest))
                        .as("%d bytes", size)
                        .isInstanceOf(io.stevedore.storage.UploadLostException.class);
            }
            assertReadsBack(digest, content);
        }
    }

    @Test
    void aFailedAppendLeavesTheSessionAsItWasBefore() throws Exception {
        byte[] content = randomBytes(2 * PART + 50, 32);
        String id = UploadIds.newId();
        String state = appendInOwnWriter(store, id, null, content, 0, 50);
        try (UploadWriter writer = store.upload(id, state)) {
            InputStream breaksAfterAPartAndMore = new java.io.SequenceInputStream(
                    new ByteArrayInputStream(content, 50, PART + 100),
                    new InputStream() {
                        @Override
                        public int read() throws IOException {
                            throw new IOException("client went away");
                        }
                    });
            assertThatThrownBy(() -> writer.append(breaksAfterAPartAndMore)).hasMessage("client went away");
            assertThat(writer.size()).isEqualTo(50);
            assertThat(writer.state()).isEqualTo(state);
        }
        assertThat(multipartUploadsOf(id)).as("the upload the failed append started is aborted").isEmpty();
        state = appendInOwnWriter(store, id, state, content, 50, content.length);
        commit(store, id, state, Digest.sha256(content));
        assertReadsBack(Digest.sha256(content), content);
    }

    @Test
    void theJanitorAbortsUploadsStartedBeforeTheCutoffAndDeletesTheirObjects() throws Exception {
        byte[] content = randomBytes(PART + 10, 33);
        String first = UploadIds.newId();
        String second = UploadIds.newId();
        String small = UploadIds.newId();
        String firstState = appendInOwnWriter(store, first, null, content, 0, content.length);
        appendInOwnWriter(store, second, null, content, 0, content.length);
        appendInOwnWriter(store, small, null, content, 0, 100);
        assertThat(multipartUploadsOf(first)).hasSize(1);
        assertThat(multipartUploadsOf(second)).hasSize(1);

        StaleUploads.Removed none = s3Store().abortUploadsStartedBefore(Instant.now().minus(Duration.ofHours(1)));
        assertThat(none).isEqualTo(new StaleUploads.Removed(0, 0));
        assertThat(multipartUploadsOf(first)).hasSize(1);
        assertThat(keysUnderPrefix()).hasSize(3); // three tails

        StaleUploads.Removed all = s3Store().abortUploadsStartedBefore(Instant.now().plus(Duration.ofHours(1)));
        assertThat(all.objectsDeleted()).isEqualTo(3);
        if (listsMultipartUploadsByPrefix()) {
            assertThat(all.uploadsAborted()).isEqualTo(2);
            assertNothingLeftOf(first, second, small);
        }
        assertThat(keysUnderPrefix()).isEmpty();
        try (UploadWriter writer = store.upload(first, firstState)) {
            assertThatThrownBy(() -> writer.commit(Digest.sha256(content))).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aRedirectIsAPresignedUrlThatServesTheBlob() throws Exception {
        byte[] content = randomBytes(100_000, 34);
        Digest digest = put(content);
        URI url = s3Store().redirect(digest, Duration.ofMinutes(5)).orElseThrow();
        try (S3Presigner presigner = S3Clients.presigner(settings)) {
            assertThat(new S3BlobStore(raw, presigner, settings.withRedirects(false)).redirect(digest, Duration.ofMinutes(5)))
                    .as("redirects off: no URL").isEmpty();
        }
        assertThat(url.toString()).doesNotContain(settings.secretKey());
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(url).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(content);
        }
    }

    private void assertNothingLeftUnderThePrefixBut(Digest digest) {
        assertThat(keysUnderPrefix()).containsExactly(
                settings.prefix() + "blobs/" + digest.algorithm() + "/" + digest.hex().substring(0, 2) + "/" + digest.hex());
        assertThat(multipartUploadsUnderPrefix()).isEmpty();
    }
}
