package io.stevedore.storage;

import io.stevedore.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where blob bytes live, addressed by digest. Deliberately small (Distribution's storage driver is
 * the model): read at an offset, an upload writer with an explicit commit that verifies the digest
 * before anything becomes visible, stat, delete, and a walk for garbage collection.
 *
 * <p>Every implementation must pass {@code BlobStoreContract} from this module's test-jar.
 */
public interface BlobStore {

    /** The size of a committed blob, or empty if the store does not hold it. */
    Optional<Long> stat(Digest digest) throws IOException;

    /**
     * Opens a committed blob for reading from {@code offset} to its end.
     *
     * @throws BlobNotFoundException if the store does not hold it
     */
    InputStream read(Digest digest, long offset) throws IOException;

    /**
     * Opens the writer of an upload session, creating it if new or continuing it where it stands.
     * Upload ids are chosen by the caller and must match {@link UploadIds#isValid}.
     *
     * @param state what {@link UploadWriter#state()} returned after the session's last write
     *              (the caller keeps it, e.g. in the database, so that any process can continue
     *              the session), or null for a new session
     */
    UploadWriter upload(String uploadId, String state) throws IOException;

    /** A new session, or one whose store needs no state to continue it. */
    default UploadWriter upload(String uploadId) throws IOException {
        return upload(uploadId, null);
    }

    /** Removes a committed blob; true if it was there. */
    boolean delete(Digest digest) throws IOException;

    /** Visits every committed blob (for garbage collection). */
    void walk(Consumer<Digest> visitor) throws IOException;
}
