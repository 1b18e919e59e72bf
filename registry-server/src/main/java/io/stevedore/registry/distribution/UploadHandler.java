package io.stevedore.registry.distribution;

import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidNameException;
import io.stevedore.oci.RepositoryName;
import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.ReadableRepositories;
import io.stevedore.registry.auth.access.Scope;
import io.stevedore.registry.metadata.BlobRecordStore;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.registry.metadata.UploadStore;
import io.stevedore.registry.metadata.UploadStore.Upload;
import io.stevedore.registry.usage.Quotas;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.DigestMismatchException;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadLostException;
import io.stevedore.storage.UploadWriter;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Blob uploads: {@code POST /v2/<name>/blobs/uploads/} (start, monolithic, mount) and
 * PATCH / PUT / GET / DELETE of {@code /v2/<name>/blobs/uploads/<uuid>}.
 *
 * <p>Session state lives in PostgreSQL (the row) and the blob store (the bytes), so any replica,
 * or this one after a restart, continues a session. Requests on one session are serialised here
 * by a lock per session; the blob store checks the digest before anything becomes visible.
 */
@Component
class UploadHandler {
    private static final Logger log = LoggerFactory.getLogger(UploadHandler.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("(?:bytes )?(\\d+)-(\\d+)(?:/(?:\\d+|\\*))?");
    private static final int LOCK_STRIPES = 256;

    private final RepositoryStore repositories;
    private final BlobRecordStore blobs;
    private final UploadStore uploads;
    private final BlobStore store;
    private final TransactionTemplate transaction;
    private final AccessPolicy access;
    private final ReadableRepositories readable;
    private final Quotas quotas;
    private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];

    UploadHandler(RepositoryStore repositories, BlobRecordStore blobs, UploadStore uploads, BlobStore store,
                  TransactionTemplate transaction, AccessPolicy access, ReadableRepositories readable,
                  Quotas quotas) {
        this.quotas = quotas;
        this.transaction = transaction;
        this.access = access;
        this.readable = readable;
        this.repositories = repositories;
        this.blobs = blobs;
        this.uploads = uploads;
        this.store = store;
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    void start(Exchange x) throws IOException {
        String mount = x.param("mount");
        if (mount != null && mount(x, Exchange.digest(mount), x.param("from"))) {
            return;
        }
        String digestParam = x.param("digest");
        if (digestParam != null) {
            quotas.admitUpload(x.name()); // a mount stores nothing new, so only here and below
            monolithic(x, Exchange.digest(digestParam));
            return;
        }
        UUID id = UUID.randomUUID();
        String namespace = Quotas.namespaceOf(x.name());
        UploadStore.Start start = uploads.start(id, x.name(), namespace); // quota, repository and row: one round trip
        if (!start.admitted()) {
            throw Quotas.uploadRefused(namespace, start.usageBytes(), start.quotaBytes());
        }
        answerInProgress(x, HttpServletResponse.SC_ACCEPTED, id, 0);
    }

    /**
     * Links an existing blob into the repository; false if it cannot be mounted. Only from where
     * the caller may pull: a mount refused for that looks like a blob that is not there, and the
     * client uploads it instead.
     */
    private boolean mount(Exchange x, Digest digest, String from) {
        Optional<Long> size;
        if (from == null || from.isEmpty()) {
            // automatic mount: the blob is in a repository the caller may pull
            size = readable.blobSize(x.caller(), digest);
        } else {
            try {
                RepositoryName source = RepositoryName.of(from);
                size = access.allows(x.caller(), Scope.repository(source.value(), Scope.PULL))
                        ? blobs.sizeIn(source.value(), digest) : Optional.empty();
            } catch (InvalidNameException e) {
                size = Optional.empty(); // an unusable 'from' means no mount, not an error
            }
        }
        if (size.isEmpty()) {
            return false;
        }
        boolean linked = Boolean.TRUE.equals(transaction.execute(s -> {
            blobs.holdAgainstCollection(digest);
            if (blobs.size(digest).isEmpty()) {
                return false; // garbage collection took it since: the client uploads it instead
            }
            blobs.link(repositories.findOrCreate(x.name()), digest);
            return true;
        }));
        if (!linked) {
            return false;
        }
        answerCreated(x, digest);
        return true;
    }

    /** POST with {@code ?digest=}: the whole blob in one request. */
    private void monolithic(Exchange x, Digest digest) throws IOException {
        try (UploadWriter writer = store.upload(UploadIds.newId())) {
            try {
                writer.append(x.request().getInputStream());
                checkDeclaredLength(x, writer, 0);
            } catch (RuntimeException | IOException e) {
                // No session records these bytes, so nothing else would ever remove them.
                cancelQuietly(writer, e);
                throw e;
            }
            commitAndRecord(writer, digest, x.name(), null);
        }
        answerCreated(x, digest);
    }

    private static void cancelQuietly(UploadWriter writer, Exception failure) {
        try {
            writer.cancel();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    void patch(Exchange x) throws IOException {
        withSession(x, (upload, writer) -> {
            appendChunk(x, upload, writer, true);
            answerInProgress(x, HttpServletResponse.SC_ACCEPTED, upload.id(), writer.size());
        });
    }

    void put(Exchange x) throws IOException {
        String digestParam = x.param("digest");
        if (digestParam == null) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "the digest query parameter is required");
        }
        Digest digest = Exchange.digest(digestParam);
        withSession(x, (upload, writer) -> {
            appendChunk(x, upload, writer, false);
            try {
                // One transaction: the blob becomes visible exactly when its session disappears.
                commitAndRecord(writer, digest, x.name(), upload);
            } catch (RuntimeException | IOException e) {
                uploads.delete(upload.id()); // the store has dropped (or published) the session's bytes
                throw e;
            }
        });
        answerCreated(x, digest);
    }

    /** What the store holds, which the next chunk must follow (the record may lag it after a crash). */
    void status(Exchange x) throws IOException {
        withSession(x, (upload, writer) ->
                answerInProgress(x, HttpServletResponse.SC_NO_CONTENT, upload.id(), writer.size()));
    }

    void cancel(Exchange x) throws IOException {
        withSession(x, (upload, writer) -> {
            writer.cancel();
            uploads.delete(upload.id());
        });
        x.status(HttpServletResponse.SC_NO_CONTENT);
    }

    private interface SessionWork {
        void run(Upload upload, UploadWriter writer) throws IOException;
    }

    /** Runs {@code work} on the request's session and its bytes, holding the session's lock. */
    private void withSession(Exchange x, SessionWork work) throws IOException {
        UUID id = uploadId(x);
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            // Read under the lock: a request on the same session that held it has saved its progress.
            Upload upload = uploads.find(x.repository(), id).orElseThrow(UploadHandler::unknownUpload);
            try (UploadWriter writer = store.upload(upload.id().toString(), upload.storageState())) {
                try {
                    if (writer.size() < upload.size()) {
                        // killed after the store published the bytes, before the blob was recorded
                        throw new UploadLostException("upload " + upload.id() + " holds " + writer.size()
                                + " bytes, its record " + upload.size(), null);
                    }
                    work.run(upload, writer);
                } catch (UploadLostException e) {
                    // A kill left the session unable to go on (CrashRecoveryIT): the client starts again.
                    log.warn("{}; the session is dropped", e.getMessage());
                    uploads.delete(upload.id());
                    cancelQuietly(writer, e);
                    throw unknownUpload();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends the request body to the session, after checking its Content-Range. Once bytes are
     * in the store the session's record must say so, even when the chunk then proves malformed or
     * the client goes away; only a final chunk about to be committed skips the (cheap) write.
     */
    private void appendChunk(Exchange x, Upload upload, UploadWriter writer, boolean recordProgress)
            throws IOException {
        long before = writer.size();
        checkContentRange(x, upload, before);
        boolean complete = false;
        try {
            writer.append(x.request().getInputStream());
            checkDeclaredLength(x, writer, before);
            complete = true;
        } finally {
            if ((recordProgress || !complete) && writer.size() != before) {
                uploads.progress(upload.id(), writer.size(), writer.state());
            }
        }
    }

    /**
     * Commits the bytes and records the blob in one transaction holding the digest's collection
     * lock, so that garbage collection cannot delete the bytes between the two (docs/gc.md). The
     * session, if any, ends in the same statement that links the blob into its repository, holding
     * the repository's row. Without one, or with one a repository deletion removed meanwhile, the
     * repository is looked up (or created again) inside the transaction, holding its row. Either
     * way a repository deleted meanwhile is recreated or waits for this push rather than failing
     * its foreign key.
     *
     * @param session the upload session the bytes came in, or null for a single-request upload
     */
    private void commitAndRecord(UploadWriter writer, Digest digest, RepositoryName repository, Upload session)
            throws IOException {
        try {
            transaction.executeWithoutResult(s -> {
                blobs.holdAgainstCollection(digest);
                long size;
                try {
                    size = commit(writer, digest);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (session == null
                        || !uploads.completeWithBlob(session.id(), session.repositoryId(), digest.toString(), size)) {
                    blobs.linkNew(repositories.findOrCreate(repository), digest, size);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private long commit(UploadWriter writer, Digest digest) throws IOException {
        try {
            return writer.commit(digest);
        } catch (DigestMismatchException e) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, e.getMessage(),
                    Map.of("expected", digest.toString(), "actual", e.actual().toString()));
        }
    }

    private Upload find(Exchange x) {
        return uploads.find(x.repository(), uploadId(x)).orElseThrow(UploadHandler::unknownUpload);
    }

    private static UUID uploadId(Exchange x) {
        String id = x.reference();
        if (!UploadIds.isValid(id)) {
            throw unknownUpload();
        }
        return UUID.fromString(id);
    }

    private static RegistryException unknownUpload() {
        return new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, "blob upload unknown to registry");
    }

    private ReentrantLock lock(UUID id) {
        return locks[Math.floorMod(id.hashCode(), LOCK_STRIPES)];
    }

    /** A chunk must start where the session stands: anything else is out of order (416). */
    private void checkContentRange(Exchange x, Upload upload, long size) {
        String header = x.request().getHeader("Content-Range");
        if (header == null) {
            return;
        }
        Matcher m = CONTENT_RANGE.matcher(header.trim());
        if (!m.matches()) {
            throw new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, "malformed Content-Range: expected start-end");
        }
        long start;
        long end;
        try {
            start = Long.parseLong(m.group(1));
            end = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, "Content-Range out of range");
        }
        if (start != size || end < start) {
            throw new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, 416,
                    "chunk out of order: the upload holds " + size + " bytes, the chunk starts at " + start,
                    Map.of("size", size), progressHeaders(x, upload.id(), size));
        }
        long declared = x.contentLength();
        if (declared >= 0 && declared != end - start + 1) {
            throw new RegistryException(ErrorCode.SIZE_INVALID, "Content-Range covers " + (end - start + 1)
                    + " bytes but Content-Length is " + declared);
        }
    }

    /** A body shorter or longer than its Content-Length is a broken request. */
    private static void checkDeclaredLength(Exchange x, UploadWriter writer, long before) {
        long declared = x.contentLength();
        if (declared >= 0 && writer.size() - before != declared) {
            throw new RegistryException(ErrorCode.SIZE_INVALID, "received " + (writer.size() - before)
                    + " bytes but Content-Length is " + declared);
        }
    }

    private void answerInProgress(Exchange x, int status, UUID id, long size) {
        x.status(status);
        progressHeaders(x, id, size).forEach(x::header);
        x.response().setContentLength(0);
    }

    private static Map<String, String> progressHeaders(Exchange x, UUID id, long size) {
        return Map.of("Location", "/v2/" + x.repository() + "/blobs/uploads/" + id,
                "Range", "0-" + Math.max(0, size - 1),
                "Docker-Upload-UUID", id.toString());
    }

    private static void answerCreated(Exchange x, Digest digest) {
        x.status(HttpServletResponse.SC_CREATED);
        x.header("Location", "/v2/" + x.repository() + "/blobs/" + digest);
        x.header("Docker-Content-Digest", digest.toString());
        x.response().setContentLength(0);
    }
}
