package io.stevedore.storage;

import io.stevedore.oci.Digest;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Optional capability of a store whose blobs clients can fetch directly, such as S3 with presigned
 * URLs: the server then answers a blob GET with a redirect instead of streaming the bytes itself.
 * Not part of {@link BlobStore}: most stores cannot offer it.
 *
 * <p>The store does not check that the blob exists (that would cost a request per redirect); the
 * caller redirects only for blobs it knows are committed.
 */
public interface Redirects {

    /** A URL from which the blob can be fetched for {@code validFor}, or empty if the store cannot offer one. */
    Optional<URI> redirect(Digest digest, Duration validFor);
}
