package io.stevedore.storage.fs;

import io.stevedore.oci.Digest;
import io.stevedore.storage.DigestMismatchException;
import io.stevedore.storage.HashStates;
import io.stevedore.storage.UploadWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.Future;

/** One upload session's file, appended to; hashed as it is written where the hash state is known. */
final class FsUploadWriter implements UploadWriter {
    private static final int BUFFER = 256 * 1024;
    private static final long WRITE_BACK_EVERY = 8L << 20;

    private final FsBlobStore store;
    private final String uploadId;
    private final Path file;
    private final HashStates hashStates;
    private final FileChannel channel;
    private long size;
    /** SHA-256 over bytes 0..size, or null when this process does not know it (then commit re-reads). */
    private MessageDigest sha256;
    private boolean finished;
    private long unflushed;
    private Future<?> writingBack;

    FsUploadWriter(FsBlobStore store, String uploadId, Path file, HashStates hashStates) throws IOException {
        this.store = store;
        this.uploadId = uploadId;
        this.file = file;
        this.hashStates = hashStates;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.size = channel.size();
        channel.position(size);
        MessageDigest known = hashStates.take(uploadId, size);
        this.sha256 = known != null ? known : size == 0 ? Digest.newMessageDigest("sha256") : null;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String state() {
        return null;
    }

    /**
     * Hashes each piece as it is written, on this thread: handing pieces to a hashing thread was
     * measured slower here (the wake-ups of the request's virtual thread cost more than they
     * overlapped on two cores; docs/benchmarks.md, issue 13).
     */
    @Override
    public long append(InputStream in) throws IOException {
        byte[] piece = new byte[BUFFER];
        long total = 0;
        int n;
        while ((n = in.readNBytes(piece, 0, BUFFER)) > 0) {
            try {
                write(piece, n);
            } catch (IOException e) {
                dropUncounted(e);
                throw e;
            }
            // Hashed only once written: the hash must cover exactly the bytes the session holds.
            if (sha256 != null) {
                sha256.update(piece, 0, n);
            }
            total += n;
            size += n;
            writeBackSoon(n);
            if (n < BUFFER) {
                break;
            }
        }
        return total;
    }

    private void write(byte[] array, int n) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(array, 0, n);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * Starts writing dirty pages to disk once {@link #WRITE_BACK_EVERY} bytes have accumulated,
     * in the background, so that the fsync of the commit finds little left to write instead of
     * a whole large blob; a kernel with gigabytes of RAM would otherwise hold it all in memory
     * until then. Durability still rests on the commit's own fsync alone.
     */
    private void writeBackSoon(int written) {
        unflushed += written;
        if (unflushed >= WRITE_BACK_EVERY && (writingBack == null || writingBack.isDone())) {
            unflushed = 0;
            writingBack = WriteBack.start(file);
        }
    }

    /**
     * A write that failed (the disk full) may have written part of its buffer: cut the file back
     * to the bytes counted, so that the session goes on from {@link #size()} with a hash that fits.
     */
    private void dropUncounted(IOException failure) {
        try {
            channel.truncate(size);
            channel.position(size);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public long commit(Digest expected) throws IOException {
        finished = true;
        try {
            channel.force(true);
            Digest actual = sha256 != null && expected.algorithm().equals("sha256")
                    ? Digest.fromMessageDigest("sha256", sha256)
                    : rehash(expected.algorithm());
            if (!actual.equals(expected)) {
                throw new DigestMismatchException(expected, actual);
            }
            channel.close();
            store.publish(file, expected);
            return size;
        } finally {
            hashStates.forget(uploadId);
            channel.close();
            Files.deleteIfExists(file);
        }
    }

    private Digest rehash(String algorithm) throws IOException {
        MessageDigest md = Digest.newMessageDigest(algorithm);
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
        long position = 0;
        while (position < size) {
            buffer.clear();
            int n = channel.read(buffer, position);
            if (n < 0) {
                break;
            }
            buffer.flip();
            md.update(buffer);
            position += n;
        }
        return Digest.fromMessageDigest(algorithm, md);
    }

    @Override
    public void cancel() throws IOException {
        finished = true;
        hashStates.forget(uploadId);
        channel.close();
        Files.deleteIfExists(file);
    }

    @Override
    public void close() throws IOException {
        if (!finished && sha256 != null) {
            hashStates.put(uploadId, size, sha256);
        }
        finished = true;
        channel.close();
    }
}
