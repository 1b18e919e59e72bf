package io.stevedore.storage;

import io.stevedore.oci.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * The writing side of one upload session. Bytes are appended; nothing is visible under a digest
 * until {@link #commit} has checked that the bytes hash to it. Closing without commit or cancel
 * leaves the session where it stands, to be continued later (possibly by another process).
 */
public interface UploadWriter extends Closeable {

    /** Bytes written so far, over the whole session. */
    long size();

    /**
     * What {@link BlobStore#upload(String, String)} needs to continue this session in another
     * process (for S3: the multipart upload id and its parts), or null when the store needs
     * nothing. Opaque to callers; read it after each append and keep it with the session.
     */
    String state();

    /** Appends all of {@code in}; returns how many bytes were appended. */
    long append(InputStream in) throws IOException;

    /**
     * Verifies that the session's bytes hash to {@code expected} and makes them the blob of that
     * digest, atomically. The session is gone afterwards, whatever the outcome.
     *
     * @return the committed blob's size
     * @throws DigestMismatchException if the bytes hash to something else (nothing is kept)
     */
    long commit(Digest expected) throws IOException;

    /** Discards the session and its bytes. */
    void cancel() throws IOException;
}
