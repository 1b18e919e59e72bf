package io.stevedore.registry.distribution;

import io.stevedore.oci.Digest;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.metadata.BlobRecordStore;
import io.stevedore.storage.BlobNotFoundException;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.LocalFiles;
import io.stevedore.storage.Redirects;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** GET, HEAD and DELETE of {@code /v2/<name>/blobs/<digest>}. */
@Component
class BlobHandler {
    private static final Logger log = LoggerFactory.getLogger(BlobHandler.class);
    private static final Pattern SINGLE_RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    private static final String SENDFILE_SUPPORT = "org.apache.tomcat.sendfile.support";

    /** Long enough for a slow pull of a large layer to start, short enough not to be shared. */
    private static final Duration REDIRECT_VALIDITY = Duration.ofMinutes(20);

    private final BlobRecordStore blobs;
    private final BlobStore store;
    private final AuditLog audit;
    private final PullThrough pullThrough;

    BlobHandler(BlobRecordStore blobs, BlobStore store, AuditLog audit, PullThrough pullThrough) {
        this.pullThrough = pullThrough;
        this.audit = audit;
        this.blobs = blobs;
        this.store = store;
    }

    /** Byte range {@code [start, end]} inclusive. */
    private record Range(long start, long end) {
        long length() {
            return end - start + 1;
        }
    }

    void get(Exchange x, boolean head) throws IOException {
        Digest digest = Exchange.digest(x.reference());
        Optional<Long> held = blobs.sizeIn(x.repository(), digest);
        if (held.isEmpty() && pullThrough.answeredBlobMiss(x, digest, head)) {
            return; // streamed from a pull-through cache's upstream while it was stored
        }
        long size = held.or(() -> blobs.sizeIn(x.repository(), digest)).orElseThrow(() -> blobUnknown(digest));
        x.header("Docker-Content-Digest", digest.toString());
        if (!head && redirect(x, digest)) {
            return; // conditional and ranged GETs are then the bucket's to answer
        }
        String etag = "\"" + digest + "\"";
        x.header("ETag", etag);
        x.header("Accept-Ranges", "bytes");
        x.header("Cache-Control", "max-age=31536000");
        x.response().setContentType("application/octet-stream");
        if (etag.equals(x.request().getHeader("If-None-Match"))) {
            x.status(HttpServletResponse.SC_NOT_MODIFIED);
            return;
        }
        Range range = range(x.request().getHeader("Range"), size);
        if (range == null) {
            range = new Range(0, size - 1);
            x.status(HttpServletResponse.SC_OK);
        } else {
            x.status(HttpServletResponse.SC_PARTIAL_CONTENT);
            x.header("Content-Range", "bytes " + range.start() + "-" + range.end() + "/" + size);
        }
        x.response().setContentLengthLong(Math.max(0, range.length()));
        if (head || range.length() <= 0) {
            return;
        }
        if (sendfile(x, digest, range)) {
            return;
        }
        try (InputStream in = store.read(digest, range.start())) {
            copy(in, x.response().getOutputStream(), range.length());
        } catch (BlobNotFoundException e) {
            log.error("metadata lists {} in {} but the blob store does not hold it", digest, x.repository());
            throw new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob content is missing from storage",
                    Map.of("digest", digest.toString()));
        }
    }

    /**
     * Sends the client to the URL a store that {@link Redirects} offers (S3 with
     * {@code registry.storage.s3.redirect}: a presigned URL), so blob bytes flow from the bucket
     * and not through the registry (docker, skopeo and containerd follow 307; a Range header is
     * re-sent and honoured by S3).
     */
    private boolean redirect(Exchange x, Digest digest) {
        if (!(store instanceof Redirects r)) {
            return false;
        }
        Optional<URI> url = r.redirect(digest, REDIRECT_VALIDITY);
        if (url.isEmpty()) {
            return false;
        }
        x.status(307);
        x.header("Location", url.get().toString());
        x.response().setContentLength(0);
        return true;
    }

    /** Hands a local file to Tomcat's sendfile, so the kernel copies it; false if not possible. */
    private boolean sendfile(Exchange x, Digest digest, Range range) {
        if (!(store instanceof LocalFiles local) || !Boolean.TRUE.equals(x.request().getAttribute(SENDFILE_SUPPORT))) {
            return false;
        }
        Optional<Path> file = local.localFile(digest);
        if (file.isEmpty()) {
            return false;
        }
        x.request().setAttribute("org.apache.tomcat.sendfile.filename", file.get().toString());
        x.request().setAttribute("org.apache.tomcat.sendfile.start", range.start());
        x.request().setAttribute("org.apache.tomcat.sendfile.end", range.end() + 1);
        return true;
    }

    /** Parses a single byte range; null for none (or for forms we answer with the whole blob). */
    private static Range range(String header, long size) {
        if (header == null) {
            return null;
        }
        Matcher m = SINGLE_RANGE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return null; // multiple ranges or another unit: RFC 9110 lets us send the whole blob
        }
        long start;
        long end;
        try {
            if (m.group(1).isEmpty()) { // suffix: the last N bytes
                long n = Long.parseLong(m.group(2));
                start = Math.max(0, size - n);
                end = size - 1;
                if (n == 0) {
                    throw unsatisfiable(size);
                }
            } else {
                start = Long.parseLong(m.group(1));
                end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            }
        } catch (NumberFormatException e) {
            throw unsatisfiable(size);
        }
        if (start >= size || start > end) {
            throw unsatisfiable(size);
        }
        return new Range(start, end);
    }

    private static RegistryException blobUnknown(Digest digest) {
        return new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob unknown to registry",
                Map.of("digest", digest.toString()));
    }

    private static RegistryException unsatisfiable(long size) {
        return new RegistryException(ErrorCode.SIZE_INVALID, 416, "requested range not satisfiable",
                Map.of("size", size), Map.of("Content-Range", "bytes */" + size));
    }

    static void copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[256 * 1024];
        long remaining = length;
        while (remaining > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new IOException("blob ended " + remaining + " bytes early");
            }
            out.write(buffer, 0, n);
            remaining -= n;
        }
    }

    void delete(Exchange x) {
        Digest digest = Exchange.digest(x.reference());
        if (!blobs.unlink(x.repository(), digest)) {
            throw blobUnknown(digest);
        }
        audit.recordRepository(AuditLog.BLOB_DELETED, x.caller().actor(), x.request().getRemoteAddr(),
                x.repository(), Map.of("digest", digest.toString()));
        x.status(HttpServletResponse.SC_ACCEPTED);
        x.response().setContentLength(0);
    }
}
