package io.stevedore.storage.s3;

import io.stevedore.oci.Digest;
import io.stevedore.storage.DigestMismatchException;
import io.stevedore.storage.HashStates;
import io.stevedore.storage.UploadLostException;
import io.stevedore.storage.UploadWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * One upload session on S3: a multipart upload of parts of exactly the session's part size, plus
 * the bytes that do not yet fill a part (the tail), kept in the session's tail object between
 * requests so that any replica can continue. Chunks of any size are gathered in one buffer that
 * grows to a part at most; a blob is never held whole.
 *
 * <p>An append either completes, with its new state, or leaves the session as it was before: the
 * tail object is rewritten last, and parts uploaded by a failed append are not in the state (the
 * next append uploads the same part numbers again; a multipart upload keeps only the parts that
 * completion lists).
 */
final class S3UploadWriter implements UploadWriter {
    static final String CONTENT_TYPE = "application/octet-stream";
    private static final System.Logger LOG = System.getLogger(S3UploadWriter.class.getName());
    /** S3 numbers parts 1 to 10,000. */
    private static final int MAX_PARTS = 10_000;
    /** Small sessions should not cost a whole part of memory. */
    private static final int INITIAL_BUFFER = 256 * 1024;
    private static final int READ_BUFFER = 256 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final S3Layout layout;
    private final ObjectCopier copier;
    private final HashStates hashStates;
    private final String uploadId;
    private SessionState state;
    /** SHA-256 over the session's bytes, or null when this process does not know it (then commit re-reads). */
    private MessageDigest sha256;
    /** The part being gathered: the tail's bytes first, then new ones. */
    private byte[] buffer = new byte[0];
    /** Whether buffer[0, tailSize) holds the tail object's bytes (no need to fetch them). */
    private boolean tailInBuffer;
    /**
     * The tail is only in the buffer, not yet in S3. It is saved when someone asks for the state
     * (the session continues elsewhere) or on close; a commit in the same writer, as in a
     * monolithic push, never saves it at all.
     */
    private boolean tailUnsaved;
    /** Whether a tail object may exist in S3 (for clean-up). */
    private boolean tailStored;
    private boolean finished;

    S3UploadWriter(S3Client s3, String bucket, S3Layout layout, ObjectCopier copier, HashStates hashStates,
                   String uploadId, SessionState state) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.copier = copier;
        this.hashStates = hashStates;
        this.uploadId = uploadId;
        this.state = state;
        MessageDigest known = hashStates.take(uploadId, state.size());
        this.sha256 = known != null ? known : state.size() == 0 ? Digest.newMessageDigest("sha256") : null;
        this.tailInBuffer = state.tailSize() == 0;
        this.tailStored = state.tailETag() != null;
    }

    @Override
    public long size() {
        return state.size();
    }

    @Override
    public String state() {
        if (tailUnsaved) {
            try {
                saveTail();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (SdkException e) {
                throw new UncheckedIOException(S3Errors.io("save the tail of upload " + uploadId, e));
            }
        }
        return state.toJson();
    }

    @Override
    public long append(InputStream in) throws IOException {
        ensureOpen();
        SessionState before = state;
        try {
            return gather(in);
        } catch (IOException | RuntimeException | Error e) {
            undo(before, e);
            if (e instanceof SdkException sdk) {
                throw S3Errors.io("append to upload " + uploadId, sdk);
            }
            throw e;
        }
    }

    /** Reads all of {@code in}, uploading each part as it fills, then saves the new tail. */
    private long gather(InputStream in) throws IOException {
        int partSize = (int) state.partSize();
        int filled = (int) state.tailSize();
        long total = 0;
        while (true) {
            if (filled >= buffer.length) {
                grow(filled, partSize);
            }
            int n = in.readNBytes(buffer, filled, buffer.length - filled);
            if (n == 0) {
                break;
            }
            ensureTailInBuffer(); // only now: an empty append costs nothing
            if (sha256 != null) {
                sha256.update(buffer, filled, n);
            }
            filled += n;
            total += n;
            if (filled == partSize) {
                uploadPart(partSize);
                filled = 0;
            } else if (filled < buffer.length) {
                break; // the input ended before filling the buffer
            }
        }
        if (total > 0) {
            state = state.withTail(filled, null);
            tailUnsaved = filled > 0;
            tailInBuffer = true;
        }
        return total;
    }

    private void grow(int filled, int partSize) {
        int length = (int) Math.min(partSize, Math.max(INITIAL_BUFFER, 2L * Math.max(buffer.length, filled)));
        buffer = Arrays.copyOf(buffer, length);
    }

    /**
     * Fetches the tail into the buffer's start unless it is there already, only if the object is
     * the one the state names: a stale state, or a writer elsewhere that moved on, must not splice
     * bytes at a wrong offset.
     */
    private void ensureTailInBuffer() throws IOException {
        if (tailInBuffer) {
            return;
        }
        int tailSize = (int) state.tailSize();
        if (buffer.length < tailSize) {
            buffer = new byte[tailSize];
        }
        int read;
        boolean longer;
        try (InputStream tail = s3.getObject(b -> b.bucket(bucket).key(layout.tailKey(uploadId)).ifMatch(state.tailETag()))) {
            read = tail.readNBytes(buffer, 0, tailSize);
            longer = tail.read() >= 0;
        } catch (SdkException e) {
            if (S3Errors.isNotFound(e) || S3Errors.hasStatus(e, 412)) {
                throw new UploadLostException("upload " + uploadId + ": its tail object is gone or was rewritten;"
                        + " the session state is stale", e);
            }
            throw e;
        }
        if (read != tailSize || longer) {
            throw new UploadLostException("upload " + uploadId + ": its tail object does not have the " + tailSize
                    + " bytes the session state says", null);
        }
        tailInBuffer = true;
    }

    private void uploadPart(int length) throws IOException {
        requirePartLeft();
        int number = state.nextPartNumber();
        if (state.multipartUploadId() == null) {
            state = state.withMultipartUpload(s3.createMultipartUpload(b -> b.bucket(bucket)
                    .key(layout.dataKey(uploadId)).contentType(CONTENT_TYPE)).uploadId());
        }
        String etag = s3.uploadPart(b -> b.bucket(bucket).key(layout.dataKey(uploadId))
                .uploadId(state.multipartUploadId()).partNumber(number).contentLength((long) length),
                body(length)).eTag();
        state = state.withPart(etag);
        tailInBuffer = true; // the buffer is empty, and so is the tail
    }

    /** One more part must fit in S3's numbering: the next full part, or the tail as the last. */
    private void requirePartLeft() throws IOException {
        if (state.nextPartNumber() > MAX_PARTS) {
            throw new IOException("blob too large: S3 takes at most " + MAX_PARTS + " parts of " + state.partSize() + " bytes");
        }
    }

    /**
     * Puts the buffered tail into S3 so that another process can continue the session. (With no
     * tail, a tail object left from before is stale; nothing reads it, as the state says 0, and
     * commit or cancel deletes it.)
     */
    private void saveTail() throws IOException {
        requirePartLeft();
        int length = (int) state.tailSize();
        String etag = s3.putObject(b -> b.bucket(bucket).key(layout.tailKey(uploadId)).contentLength((long) length)
                .contentType(CONTENT_TYPE), body(length)).eTag();
        state = state.withTail(length, etag);
        tailUnsaved = false;
        tailStored = true;
    }

    /** The first {@code length} bytes of the buffer, without copying them (the SDK may read them twice, on a retry). */
    private RequestBody body(int length) {
        byte[] bytes = buffer;
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length, CONTENT_TYPE);
    }

    /** Back to the state before a failed append; the bytes hashed meanwhile make the hash unknown. */
    private void undo(SessionState before, Throwable failure) {
        if (before.multipartUploadId() == null && state.multipartUploadId() != null) {
            abortQuietly(state.multipartUploadId(), failure);
        }
        state = before;
        sha256 = null;
        tailInBuffer = before.tailSize() == 0;
        tailUnsaved = false;
    }

    @Override
    public long commit(Digest expected) throws IOException {
        ensureOpen();
        finished = true;
        boolean completed = false;
        try {
            // The running hash answers only for sha256; anything else (or an unknown hash) re-reads.
            MessageDigest known = expected.algorithm().equals("sha256") ? sha256 : null;
            if (state.parts().isEmpty()) {
                commitSmall(expected, known);
            } else {
                if (known != null) {
                    verify(expected, Digest.fromMessageDigest("sha256", known)); // before anything is assembled
                }
                completeInto(layout.dataKey(uploadId));
                completed = true;
                long stored = s3.headObject(b -> b.bucket(bucket).key(layout.dataKey(uploadId))).contentLength();
                if (stored != state.size()) {
                    throw new IOException("upload " + uploadId + ": S3 assembled " + stored + " bytes, not " + state.size());
                }
                if (known == null) {
                    verify(expected, hashObject(layout.dataKey(uploadId), expected.algorithm()));
                }
                copier.copy(layout.dataKey(uploadId), layout.blobKey(expected), stored);
            }
            return state.size();
        } catch (SdkException e) {
            if (S3Errors.isMultipartUploadGone(e)) {
                // NoSuchUpload: a commit of the same session completed its parts already, and was
                // killed before the registry recorded it. The bytes cannot be gathered again.
                throw new UploadLostException("upload " + uploadId + ": its multipart upload is gone;"
                        + " a commit of this session was interrupted after completing it", e);
            }
            throw S3Errors.io("commit of upload " + uploadId, e);
        } finally {
            hashStates.forget(uploadId);
            discard(!completed, null);
        }
    }

    /** No full part yet: the whole blob is the tail, at most a part, so one PutObject of verified bytes. */
    private void commitSmall(Digest expected, MessageDigest known) throws IOException {
        int length = (int) state.tailSize();
        ensureTailInBuffer();
        Digest actual;
        if (known != null) {
            actual = Digest.fromMessageDigest("sha256", known);
        } else {
            MessageDigest md = Digest.newMessageDigest(expected.algorithm());
            md.update(buffer, 0, length);
            actual = Digest.fromMessageDigest(expected.algorithm(), md);
        }
        verify(expected, actual);
        s3.putObject(b -> b.bucket(bucket).key(layout.blobKey(expected)).contentLength((long) length)
                .contentType(CONTENT_TYPE), body(length));
    }

    /** Uploads the tail as the last (shorter) part and completes the multipart upload into {@code key}. */
    private void completeInto(String key) throws IOException {
        List<CompletedPart> parts = new ArrayList<>();
        for (SessionState.Part part : state.parts()) {
            parts.add(CompletedPart.builder().partNumber(part.number()).eTag(part.etag()).build());
        }
        int tailSize = (int) state.tailSize();
        if (tailSize > 0) {
            ensureTailInBuffer();
            int number = state.nextPartNumber();
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(state.multipartUploadId())
                    .partNumber(number).contentLength((long) tailSize), body(tailSize)).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        }
        buffer = new byte[0]; // from here on the blob is only read back in small pieces
        s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(state.multipartUploadId())
                .multipartUpload(m -> m.parts(parts)));
    }

    /** Reads an object back to hash it: for another process's session, or another algorithm. */
    private Digest hashObject(String key, String algorithm) throws IOException {
        MessageDigest md = Digest.newMessageDigest(algorithm);
        byte[] chunk = new byte[READ_BUFFER];
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                md.update(chunk, 0, n);
            }
        }
        return Digest.fromMessageDigest(algorithm, md);
    }

    private static void verify(Digest expected, Digest actual) throws DigestMismatchException {
        if (!actual.equals(expected)) {
            throw new DigestMismatchException(expected, actual);
        }
    }

    @Override
    public void cancel() throws IOException {
        ensureOpen();
        finished = true;
        hashStates.forget(uploadId);
        IOException failure = new IOException("cancel of upload " + uploadId + " left objects behind");
        discard(true, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    /**
     * Removes everything the session has in S3: its multipart upload (unless completed), tail and
     * assembled data. Failures are added to {@code failures}, or logged when that is null (after a
     * commit, whose outcome matters more); the janitor removes what is left.
     */
    private void discard(boolean abort, IOException failures) {
        buffer = new byte[0];
        if (abort && state.multipartUploadId() != null) {
            abortQuietly(state.multipartUploadId(), failures);
        }
        // Only what may exist: a monolithic push (one writer, no part, tail never saved) costs
        // no clean-up request at all.
        List<String> keys = new ArrayList<>();
        if (tailStored) {
            keys.add(layout.tailKey(uploadId));
        }
        if (state.multipartUploadId() != null) {
            keys.add(layout.dataKey(uploadId));
        }
        for (String key : keys) {
            try {
                s3.deleteObject(b -> b.bucket(bucket).key(key));
            } catch (SdkException e) {
                report(failures, e);
            }
        }
    }

    private void abortQuietly(String multipartUploadId, Throwable failures) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(layout.dataKey(uploadId)).uploadId(multipartUploadId));
        } catch (SdkException e) {
            if (!S3Errors.isNotFound(e)) {
                report(failures, e);
            }
        }
    }

    private void report(Throwable failures, SdkException e) {
        if (failures != null) {
            failures.addSuppressed(e);
        } else {
            LOG.log(System.Logger.Level.WARNING, "cleaning up S3 upload " + uploadId + " failed; the janitor will", e);
        }
    }

    private void ensureOpen() {
        if (finished) {
            throw new IllegalStateException("upload " + uploadId + " is already committed, cancelled or closed");
        }
    }

    /** Leaves the session to be continued: its tail saved, its hash state kept in this process. */
    @Override
    public void close() {
        if (!finished && tailUnsaved) {
            try {
                saveTail();
            } catch (IOException | SdkException e) {
                LOG.log(System.Logger.Level.WARNING, "saving the tail of S3 upload " + uploadId
                        + " failed; the session cannot be continued", e);
            }
        }
        if (!finished && sha256 != null) {
            hashStates.put(uploadId, state.size(), sha256);
        }
        finished = true;
        buffer = new byte[0];
    }
}
