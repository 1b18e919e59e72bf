package io.stevedore.builder.engine;

import io.stevedore.builder.files.FileTrees;
import io.stevedore.builder.layers.CapabilityLossException;
import io.stevedore.builder.layers.LayerBlob;
import io.stevedore.builder.layers.LayerExtractor;
import io.stevedore.oci.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The build machine's local copy of layers: each layer extracted once into its own directory
 * (named by diff_id) and used directly as an overlayfs lower directory, and the compressed blobs
 * this machine built or downloaded. Entries appear by atomic rename, so a crash leaves no
 * half-extracted layer under a final name.
 */
public final class LayerStore {
    private final Path extracted;
    private final Path blobs;
    private final Path scratch;
    private final ConcurrentHashMap<Digest, Object> locks = new ConcurrentHashMap<>();

    public LayerStore(Path workDir) {
        this.extracted = workDir.resolve("layers");
        this.blobs = workDir.resolve("blobs");
        this.scratch = workDir.resolve("tmp");
        try {
            Files.createDirectories(extracted);
            Files.createDirectories(blobs);
            Files.createDirectories(scratch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The extracted directory of a layer, fetching and extracting it first when needed. */
    public Path extracted(LayerRef layer, Registries registries) {
        Path dir = extractedPath(layer.diffId());
        if (Files.isDirectory(dir)) {
            return dir;
        }
        synchronized (locks.computeIfAbsent(layer.diffId(), d -> new Object())) {
            if (Files.isDirectory(dir)) {
                return dir;
            }
            Path tmp = newScratchDir("extract-");
            Digest diffId;
            Path local = blobPath(layer.blob().digest());
            try (InputStream in = Files.exists(local)
                    ? Files.newInputStream(local)
                    : registries.client(layer.registry()).openBlob(layer.repository(), layer.blob().digest())) {
                diffId = LayerExtractor.extract(in, tmp);
            } catch (CapabilityLossException e) {
                FileTrees.deleteQuietly(tmp);
                throw new BuildException(e.messageAbout("layer " + layer.blob().digest()), e);
            } catch (IOException e) {
                FileTrees.deleteQuietly(tmp);
                throw new BuildException("could not extract layer " + layer.blob().digest() + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                FileTrees.deleteQuietly(tmp);
                throw e;
            }
            if (!diffId.equals(layer.diffId())) {
                FileTrees.deleteQuietly(tmp);
                throw new BuildException("layer " + layer.blob().digest() + " has diff_id " + diffId
                        + " but its image configuration says " + layer.diffId());
            }
            moveIntoPlace(tmp, dir);
            return dir;
        }
    }

    /** Keeps a directory this build produced (an overlay upper) as the extracted form of its layer. */
    public Path adopt(Path upperDir, LayerBlob blob) {
        Path dir = extractedPath(blob.diffId());
        if (Files.isDirectory(dir)) {
            FileTrees.deleteQuietly(upperDir);
        } else {
            moveIntoPlace(upperDir, dir);
        }
        Path file = blobPath(blob.digest());
        if (Files.exists(file)) {
            deleteQuietly(blob.file());
        } else {
            moveIntoPlace(blob.file(), file);
        }
        return dir;
    }

    public Path blobPath(Digest digest) {
        return blobs.resolve(digest.algorithm() + "-" + digest.hex());
    }

    public Path extractedPath(Digest diffId) {
        return extracted.resolve(diffId.hex().substring(0, 32));
    }

    /** An empty directory under the work dir, on the same filesystem as the store (for renames and overlay). */
    public Path newScratchDir(String prefix) {
        try {
            return Files.createDirectories(scratch.resolve(prefix + UUID.randomUUID()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path newScratchFile(String prefix) {
        return scratch.resolve(prefix + UUID.randomUUID());
    }

    private static void moveIntoPlace(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            FileTrees.deleteQuietly(from);
        } catch (AtomicMoveNotSupportedException e) {
            throw new BuildException("work directory must be on one filesystem: " + e.getMessage(), e);
        } catch (IOException e) {
            if (Files.exists(to)) {
                FileTrees.deleteQuietly(from);
                return;
            }
            throw new UncheckedIOException(e);
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // scratch space; the next cleanup takes it
        }
    }
}
