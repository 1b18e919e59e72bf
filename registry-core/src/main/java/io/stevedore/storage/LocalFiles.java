package io.stevedore.storage;

import io.stevedore.oci.Digest;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Optional capability of a store that keeps committed blobs as local files, so a server can hand
 * them to the kernel (sendfile) instead of copying through the JVM. Not part of {@link BlobStore}:
 * most stores cannot offer it.
 */
public interface LocalFiles {
    Optional<Path> localFile(Digest digest);
}
