package io.stevedore.registry.proxy;

import io.stevedore.client.RegistryClientException;
import io.stevedore.oci.Digest;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.distribution.ErrorCode;
import io.stevedore.registry.distribution.Exchange;
import io.stevedore.registry.distribution.RegistryException;
import io.stevedore.registry.metadata.BlobRecordStore;
import io.stevedore.registry.metadata.RepositoryStore;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.DigestMismatchException;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadWriter;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Blobs a proxy repository does not hold yet. A GET streams the blob from the upstream to the
 * client while it is written to the blob store ({@link TeeInputStream}); the blob is committed
 * and linked only once its digest is verified, and the client receives its last bytes only after
 * that. A broken or wrong upstream stream cancels the upload and cuts the client's connection
 * short (it declared the full Content-Length), so the client sees an error and nothing is kept.
 *
 * <p>Concurrent first pulls of one blob on this replica fetch it once: the first becomes the
 * fetch, the others wait for it and are then served from the store. Replicas do not coordinate:
 * two replicas may fetch the same blob at once, and both commits are idempotent (same digest,
 * same bytes, {@code on conflict do nothing}).
 */
@Component
class BlobCache {
    private static final Logger log = LoggerFactory.getLogger(BlobCache.class);
    /** A waiter whose fetch failed tries itself, a bounded number of times. */
    private static final int MAX_ROUNDS = 3;

    private final BlobRecordStore blobs;
    private final RepositoryStore repositories;
    private final BlobStore store;
    private final ProxyStore proxy;
    private final TransactionTemplate transaction;
    private final AuditLog audit;
    private final ProxyMetrics metrics;
    private final ConcurrentMap<Digest, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

    BlobCache(BlobRecordStore blobs, RepositoryStore repositories, BlobStore store, ProxyStore proxy,
              TransactionTemplate transaction, AuditLog audit, ProxyMetrics metrics) {
        this.blobs = blobs;
        this.repositories = repositories;
        this.store = store;
        this.proxy = proxy;
        this.transaction = transaction;
        this.audit = audit;
        this.metrics = metrics;
    }

    /** See {@link io.stevedore.registry.distribution.PullThrough#answeredBlobMiss}. */
    boolean answerMiss(Upstreams.Target target, Exchange x, Digest digest, boolean head) throws IOException {
        String upstream = target.upstream().namespace();
        if (linkHeldBlob(target, x, digest)) {
            metrics.hit(upstream, "blob");
            return false;
        }
        if (head) {
            long size = upstreamSize(target, digest);
            answerHeaders(x, digest, size);
            return true;
        }
        for (int round = 0; round < MAX_ROUNDS; round++) {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> running = inFlight.putIfAbsent(digest, mine);
            if (running == null) {
                try {
                    fetch(target, x, digest);
                    mine.complete(null);
                    return true;
                } catch (IOException | RuntimeException e) {
                    mine.completeExceptionally(e);
                    throw e;
                } finally {
                    inFlight.remove(digest, mine);
                }
            }
            running.handle((ok, failed) -> null).join();
            if (blobs.sizeIn(x.repository(), digest).isPresent() || linkHeldBlob(target, x, digest)) {
                metrics.hit(upstream, "blob");
                return false;
            }
        }
        throw new RegistryException(ErrorCode.UNAVAILABLE,
                "fetching blob " + digest + " from the upstream " + target.describe() + " failed repeatedly",
                Map.of("digest", digest.toString()));
    }

    /**
     * Links a blob the store holds already (fetched for another repository, or pushed) when the
     * repository is entitled to it: a manifest the cache fetched for it names the blob. Anything
     * else would let a reader of the proxy namespace read any blob of the registry by digest.
     */
    private boolean linkHeldBlob(Upstreams.Target target, Exchange x, Digest digest) {
        if (blobs.size(digest).isEmpty() || proxy.declaredSize(x.repository(), digest).isEmpty()) {
            return false;
        }
        return Boolean.TRUE.equals(transaction.execute(s -> {
            blobs.holdAgainstCollection(digest);
            if (blobs.size(digest).isEmpty()) {
                return false; // collected meanwhile: fetch it again
            }
            long repositoryId = repositories.findOrCreate(x.name());
            proxy.markCached(repositoryId, target.upstream().namespace());
            blobs.link(repositoryId, digest);
            return true;
        }));
    }

    /** The size a cached manifest declares, else the upstream's answer to a HEAD. */
    private long upstreamSize(Upstreams.Target target, Digest digest) {
        Optional<Long> declared = proxy.declaredSize(target.upstream().namespace() + "/" + target.remote(), digest);
        if (declared.isPresent()) {
            return declared.get();
        }
        try {
            return target.upstream().client().blobSize(target.remote(), digest)
                    .orElseThrow(() -> new RegistryClientException("blob " + digest + " not found", 404, "BLOB_UNKNOWN"));
        } catch (RegistryClientException e) {
            if (e.status() != 404) {
                metrics.upstreamError(target.upstream().namespace(), "blob");
            }
            throw UpstreamFailures.toError(target, e, ErrorCode.BLOB_UNKNOWN);
        }
    }

    private void fetch(Upstreams.Target target, Exchange x, Digest digest) throws IOException {
        String upstream = target.upstream().namespace();
        long size = proxy.declaredSize(x.repository(), digest).orElseGet(() -> upstreamSize(target, digest));
        InputStream body;
        try {
            // Unchecked: the writer hashes every byte anyway and its commit verifies the digest,
            // before the tee lets the last bytes reach the client; a second hash here cost time.
            body = target.upstream().client().openBlobUnchecked(target.remote(), digest);
        } catch (RegistryClientException e) {
            if (e.status() != 404) {
                metrics.upstreamError(upstream, "blob");
            }
            throw UpstreamFailures.toError(target, e, ErrorCode.BLOB_UNKNOWN);
        }
        answerHeaders(x, digest, size);
        // The connection ends with this response: a body cut short is then an error the client sees.
        x.response().setHeader("Connection", "close");
        TeeInputStream tee = new TeeInputStream(body, x.response().getOutputStream());
        try (body; UploadWriter writer = store.upload(UploadIds.newId())) {
            try {
                writer.append(tee);
            } catch (IOException | RuntimeException e) {
                writer.cancel();
                metrics.upstreamError(upstream, "blob");
                log.warn("Fetching blob {} for {} from the upstream {} broke off; nothing was kept: {}", digest,
                        x.repository(), target.describe(), e.toString());
                throw failure(target, x, digest, "broke off: " + e.getMessage(), e);
            }
            commit(target, x, digest, writer);
        }
        tee.release();
        metrics.miss(upstream, "blob");
        log.info("Fetched blob {} ({} bytes) for {} from the upstream {}{}", digest, size, x.repository(),
                target.describe(), tee.clientGone() ? "; the client went away meanwhile" : "");
    }

    private void commit(Upstreams.Target target, Exchange x, Digest digest, UploadWriter writer) throws IOException {
        try {
            transaction.executeWithoutResult(s -> {
                blobs.holdAgainstCollection(digest);
                long size;
                try {
                    size = writer.commit(digest);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                long repositoryId = repositories.findOrCreate(x.name());
                proxy.markCached(repositoryId, target.upstream().namespace());
                blobs.linkNew(repositoryId, digest, size);
                audit.recordRepository(ManifestCache.FETCHED, x.caller().actor(), x.request().getRemoteAddr(),
                        x.repository(), Map.of("digest", digest.toString(), "size", size,
                                "upstream", target.upstream().namespace(), "kind", "blob"));
            });
        } catch (UncheckedIOException e) {
            metrics.upstreamError(target.upstream().namespace(), "blob");
            String why = e.getCause() instanceof DigestMismatchException ? "bytes that do not match the digest"
                    : "a blob that could not be stored";
            log.warn("Blob {} from the upstream {}: {}; nothing was kept", digest, target.describe(), why, e);
            throw failure(target, x, digest, "sent " + why, e.getCause());
        }
    }

    /**
     * Before the first byte went out the client gets an OCI error; after, only a connection cut
     * short of the declared length can tell it.
     */
    private static IOException failure(Upstreams.Target target, Exchange x, Digest digest, String what, Throwable e) {
        if (!x.response().isCommitted()) {
            throw new RegistryException(ErrorCode.UNAVAILABLE, "blob " + digest + " from the upstream "
                    + target.describe() + " " + what, Map.of("digest", digest.toString()));
        }
        return new CutShort(e);
    }

    private static void answerHeaders(Exchange x, Digest digest, long size) {
        HttpServletResponse response = x.response();
        response.setStatus(HttpServletResponse.SC_OK);
        response.setHeader("Docker-Content-Digest", digest.toString());
        response.setHeader("ETag", "\"" + digest + "\"");
        response.setContentType("application/octet-stream");
        response.setContentLengthLong(size);
    }

    /**
     * The response has started and cannot become an error any more: the connection is closed
     * before the declared length, which the client reports as a failed download.
     */
    static final class CutShort extends IOException {
        CutShort(Throwable cause) {
            super("the upstream blob broke off or did not verify; the client's download was cut short", cause);
        }
    }
}
