package io.stevedore.storage.fs;

import io.stevedore.oci.Digest;
import io.stevedore.oci.InvalidDigestException;
import io.stevedore.storage.BlobNotFoundException;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.HashStates;
import io.stevedore.storage.LocalFiles;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Blobs as files under a root directory, content-addressed:
 * {@code blobs/<algorithm>/<first two hex>/<hex>}; upload sessions as files under
 * {@code uploads/<uuid>}. A commit fsyncs the session file, then renames it into place, so a
 * blob path either does not exist or holds complete, verified bytes. Two sessions committing the
 * same digest both rename identical bytes onto the same path, which is harmless.
 */
public final class FsBlobStore implements BlobStore, LocalFiles {

    private final Path blobs;
    private final Path uploads;
    private final HashStates hashStates = new HashStates();

    public FsBlobStore(Path root) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        this.blobs = Files.createDirectories(absolute.resolve("blobs"));
        this.uploads = Files.createDirectories(absolute.resolve("uploads"));
    }

    Path blobPath(Digest digest) {
        // Digest validates algorithm and hex on creation, so these components are always safe.
        return blobs.resolve(digest.algorithm()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    Path uploadPath(String uploadId) {
        return uploads.resolve(UploadIds.require(uploadId));
    }

    @Override
    public Optional<Long> stat(Digest digest) throws IOException {
        try {
            return Optional.of(Files.size(blobPath(digest)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream read(Digest digest, long offset) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(blobPath(digest), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(digest);
        }
        channel.position(offset);
        return Channels.newInputStream(channel);
    }

    @Override
    public Optional<Path> localFile(Digest digest) {
        Path path = blobPath(digest);
        return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
    }

    /** The session file is all the state there is; {@code state} is always null here. */
    @Override
    public UploadWriter upload(String uploadId, String state) throws IOException {
        return new FsUploadWriter(this, uploadId, uploadPath(uploadId), hashStates);
    }

    @Override
    public boolean delete(Digest digest) throws IOException {
        return Files.deleteIfExists(blobPath(digest));
    }

    @Override
    public void walk(Consumer<Digest> visitor) throws IOException {
        try (Stream<Path> files = Files.walk(blobs, 3)) {
            files.filter(Files::isRegularFile).forEach(file -> {
                String algorithm = file.getParent().getParent().getFileName().toString();
                try {
                    visitor.accept(new Digest(algorithm, file.getFileName().toString()));
                } catch (InvalidDigestException e) {
                    // not ours (an editor's backup file, say): not a blob
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Moves a verified session file into its content address, durably. */
    void publish(Path sessionFile, Digest digest) throws IOException {
        Path target = blobPath(digest);
        // a stat first: on a directory that exists, createDirectories throws and catches two
        // exceptions, 1 % of a warm push's CPU in issue 13's profile
        if (!Files.isDirectory(target.getParent())) {
            Files.createDirectories(target.getParent());
        }
        Files.move(sessionFile, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(target.getParent());
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to fsync directories; the rename is still atomic.
        }
    }
}
