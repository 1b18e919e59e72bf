package io.stevedore.storage.s3;

import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidDigestException;
import io.stevedore.storage.UploadIds;
import java.util.Optional;

/**
 * Object keys, all under the settings' prefix. Committed blobs are content-addressed like the
 * filesystem store's files, {@code blobs/<algorithm>/<first two hex>/<hex>}; an upload session
 * owns {@code uploads/<uuid>/}: its multipart upload completes into {@code data}, and the bytes
 * that do not yet fill a part wait in {@code tail}.
 */
record S3Layout(String prefix) {

    String blobsPrefix() {
        return prefix + "blobs/";
    }

    String uploadsPrefix() {
        return prefix + "uploads/";
    }

    String blobKey(Digest digest) {
        // Digest validates algorithm and hex on creation, so these segments are always safe.
        return blobsPrefix() + digest.algorithm() + "/" + digest.hex().substring(0, 2) + "/" + digest.hex();
    }

    String dataKey(String uploadId) {
        return sessionPrefix(uploadId) + "data";
    }

    String tailKey(String uploadId) {
        return sessionPrefix(uploadId) + "tail";
    }

    private String sessionPrefix(String uploadId) {
        return uploadsPrefix() + UploadIds.require(uploadId) + "/";
    }

    /** The digest a blob key stands for; empty for keys that are not blobs of ours. */
    Optional<Digest> digestOf(String key) {
        if (!key.startsWith(blobsPrefix())) {
            return Optional.empty();
        }
        String[] segments = key.substring(blobsPrefix().length()).split("/", -1);
        if (segments.length != 3 || !segments[2].startsWith(segments[1]) || segments[1].length() != 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Digest(segments[0], segments[2]));
        } catch (InvalidDigestException e) {
            return Optional.empty();
        }
    }
}
