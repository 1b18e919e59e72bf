package io.stevedore.storage.s3;

import io.stevedore.oci.Digest;
import io.stevedore.storage.BlobNotFoundException;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.HashStates;
import io.stevedore.storage.Redirects;
import io.stevedore.storage.StaleUploads;
import io.stevedore.storage.StorageUnavailableException;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadWriter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Blobs in an S3 bucket (AWS or S3-compatible), content-addressed as {@link S3Layout} describes.
 * Upload sessions are multipart uploads whose progress lives in S3 and in the opaque state the
 * registry keeps, never in this process, so any replica continues any session. A commit assembles
 * the session into a temporary object, verifies its digest, and only then copies it to its content
 * address; two sessions committing the same digest copy identical bytes onto the same key, each
 * copy atomic, which is harmless.
 */
public final class S3BlobStore implements BlobStore, Redirects, StaleUploads, AutoCloseable {

    private final S3Client s3;
    private final S3Presigner presigner;
    private final boolean ownsClients;
    private final S3Settings settings;
    private final S3Layout layout;
    private final ObjectCopier copier;
    private final HashStates hashStates = new HashStates();

    /** A store over clients the caller owns (and closes). */
    public S3BlobStore(S3Client s3, S3Presigner presigner, S3Settings settings) {
        this(s3, presigner, settings, false);
    }

    private S3BlobStore(S3Client s3, S3Presigner presigner, S3Settings settings, boolean ownsClients) {
        this.s3 = s3;
        this.presigner = presigner;
        this.settings = settings;
        this.ownsClients = ownsClients;
        this.layout = new S3Layout(settings.prefix());
        this.copier = new ObjectCopier(s3, settings.bucket(), settings.multipartCopyThreshold(), settings.partSize());
    }

    /** A store with its own clients, built from the settings; {@link #close()} closes them. */
    public static S3BlobStore create(S3Settings settings) {
        return new S3BlobStore(S3Clients.client(settings), S3Clients.presigner(settings), settings, true);
    }

    public S3Settings settings() {
        return settings;
    }

    @Override
    public Optional<Long> stat(Digest digest) throws IOException {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(settings.bucket()).key(layout.blobKey(digest))).contentLength());
        } catch (SdkException e) {
            if (S3Errors.isNotFound(e)) {
                return Optional.empty();
            }
            throw S3Errors.io("stat of " + digest, e);
        }
    }

    /** Streams the object from S3 as the caller reads; a ranged GET when starting past 0. */
    @Override
    public InputStream read(Digest digest, long offset) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset");
        }
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(settings.bucket()).key(layout.blobKey(digest));
        if (offset > 0) {
            request.range("bytes=" + offset + "-");
        }
        try {
            return new ObjectInputStream(s3.getObject(request.build()), "read of " + digest);
        } catch (SdkException e) {
            if (S3Errors.isNotFound(e)) {
                throw new BlobNotFoundException(digest);
            }
            if (S3Errors.hasStatus(e, 416)) {
                // Starting at (or past) the end: nothing to read, as with a file, if the blob exists.
                if (stat(digest).isEmpty()) {
                    throw new BlobNotFoundException(digest);
                }
                return InputStream.nullInputStream();
            }
            throw S3Errors.io("read of " + digest, e);
        }
    }

    @Override
    public UploadWriter upload(String uploadId, String state) throws IOException {
        UploadIds.require(uploadId);
        SessionState session = state == null ? SessionState.empty(settings.partSize()) : SessionState.fromJson(state);
        return new S3UploadWriter(s3, settings.bucket(), layout, copier, hashStates, uploadId, session);
    }

    /** DeleteObject does not say whether the key existed, hence the HeadObject first. */
    @Override
    public boolean delete(Digest digest) throws IOException {
        if (stat(digest).isEmpty()) {
            return false;
        }
        try {
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(layout.blobKey(digest)));
            return true;
        } catch (SdkException e) {
            throw S3Errors.io("delete of " + digest, e);
        }
    }

    @Override
    public void walk(Consumer<Digest> visitor) throws IOException {
        try {
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(layout.blobsPrefix())).contents()) {
                layout.digestOf(object.key()).ifPresent(visitor);
            }
        } catch (SdkException e) {
            throw S3Errors.io("listing of blobs", e);
        }
    }

    /**
     * A presigned GET of the blob when the settings turn {@linkplain S3Settings#redirects() redirects}
     * on, else empty; signing is local, so this makes no request and does not check that the blob exists.
     */
    @Override
    public Optional<URI> redirect(Digest digest, Duration validFor) {
        if (!settings.redirects()) {
            return Optional.empty();
        }
        try {
            return Optional.of(presigner.presignGetObject(p -> p.signatureDuration(validFor)
                    .getObjectRequest(g -> g.bucket(settings.bucket()).key(layout.blobKey(digest)))).url().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("S3 presigned an unusable URL", e);
        }
    }

    /**
     * For a janitor: aborts the multipart uploads under this store's prefix that were started before
     * {@code cutoff} (upload sessions given up on, and multipart copies of a process that died) and
     * deletes session objects (tails, assembled data) last written before it. A session still in
     * use whose multipart upload is older than the cutoff is lost too, so the cutoff should lie well
     * before the oldest upload session the registry still honours. Every listing is paginated.
     *
     * <p>MinIO lists multipart uploads only by exact key, never by prefix (minio#20989), so there
     * this finds none to abort; MinIO expires stale multipart uploads itself
     * ({@code api stale_uploads_expiry}, 24 h by default). The session objects are deleted all the same.
     */
    @Override
    public Removed abortUploadsStartedBefore(Instant cutoff) throws IOException {
        try {
            int aborted = 0;
            for (String prefix : new String[] {layout.uploadsPrefix(), layout.blobsPrefix()}) {
                for (MultipartUpload upload : s3.listMultipartUploadsPaginator(b -> b.bucket(settings.bucket()).prefix(prefix)).uploads()) {
                    if (upload.initiated() != null && upload.initiated().isBefore(cutoff)) {
                        try {
                            s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(upload.key()).uploadId(upload.uploadId()));
                            aborted++;
                        } catch (SdkException e) {
                            if (!S3Errors.isNotFound(e)) {
                                throw e; // not found: finished or aborted meanwhile
                            }
                        }
                    }
                }
            }
            int deleted = 0;
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(layout.uploadsPrefix())).contents()) {
                if (object.lastModified().isBefore(cutoff)) {
                    s3.deleteObject(b -> b.bucket(settings.bucket()).key(object.key()));
                    deleted++;
                }
            }
            return new Removed(aborted, deleted);
        } catch (SdkException e) {
            throw S3Errors.io("removal of stale uploads", e);
        }
    }

    @Override
    public void close() {
        if (ownsClients) {
            presigner.close();
            s3.close();
        }
    }

    /**
     * An S3 response body. Closing it before its end aborts the connection instead of letting the
     * HTTP client drain what is left, which for a client that gave up on a large blob could be
     * gigabytes. A connection breaking under way is S3 being unavailable, like one failing at the
     * start, not a bug.
     */
    private static final class ObjectInputStream extends FilterInputStream {
        private final ResponseInputStream<GetObjectResponse> response;
        private final String what;
        private long remaining;
        private long read;

        ObjectInputStream(ResponseInputStream<GetObjectResponse> response, String what) {
            super(response);
            this.response = response;
            this.what = what;
            Long length = response.response().contentLength();
            this.remaining = length == null ? Long.MAX_VALUE : length;
        }

        @Override
        public int read() throws IOException {
            int b;
            try {
                b = super.read();
            } catch (IOException e) {
                throw brokenOff(e);
            }
            remaining = b < 0 ? 0 : remaining - 1;
            read += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            int n;
            try {
                n = super.read(bytes, offset, length);
            } catch (IOException e) {
                throw brokenOff(e);
            }
            remaining = n < 0 ? 0 : remaining - n;
            read += Math.max(0, n);
            return n;
        }

        private IOException brokenOff(IOException e) {
            return new StorageUnavailableException("S3 " + what + " broke off after " + read + " bytes: " + e, e);
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            remaining -= skipped;
            return skipped;
        }

        @Override
        public void close() throws IOException {
            if (remaining > 0) {
                response.abort();
            }
            super.close();
        }
    }
}
