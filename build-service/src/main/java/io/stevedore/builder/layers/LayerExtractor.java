package io.stevedore.builder.layers;

import io.stevedore.oci.Digest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * Unpacks one image layer (gzip, zstd or plain tar, recognised by magic bytes) into an empty
 * directory that is then used, unchanged, as an overlayfs lower dir mounted with {@code userxattr}:
 * {@code .wh.NAME} becomes an xattr whiteout (an empty file with user.overlay.whiteout, its
 * directory marked user.overlay.opaque=x) and {@code .wh..wh..opq} becomes user.overlay.opaque=y.
 * Hostile entries raise {@link io.stevedore.builder.layers.HostileArchiveException}.
 */
public final class LayerExtractor {
    private static final int BUFFER = 1 << 16;

    private LayerExtractor() {}

    /**
     * Extracts the layer and returns its diff_id, the sha256 of the uncompressed tar, hashed on the way.
     *
     * @throws CapabilityLossException when the layer carries file capabilities and setfattr is missing
     */
    public static Digest extract(InputStream layer, Path layerDir) {
        return extract(layer, layerDir, SecurityXattrs.onThisHost());
    }

    static Digest extract(InputStream layer, Path layerDir, SecurityXattrs securityXattrs) {
        try {
            InputStream tar = Decompression.open(new BufferedInputStream(layer, BUFFER));
            MessageDigest sha256 = Digest.newMessageDigest("sha256");
            InputStream hashed = new BufferedInputStream(new DigestInputStream(tar, sha256), BUFFER);
            TarExtraction.extract(hashed, layerDir, TarExtraction.Mode.IMAGE_LAYER,
                    TarExtraction.KEEP_OWNER, TarExtraction.KEEP_OWNER, securityXattrs);
            hashed.transferTo(java.io.OutputStream.nullOutputStream()); // the padding after the end marker is part of the diff_id
            return Digest.fromMessageDigest("sha256", sha256);
        } catch (IOException e) {
            throw new UncheckedIOException("extracting layer into " + layerDir + ": " + e.getMessage(), e);
        }
    }
}
