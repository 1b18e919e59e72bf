package io.stevedore.builder.layers;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.zip.CRC32;

/**
 * A single-member gzip stream whose deflating runs on several threads, as pigz does: the input is
 * cut into {@link #CHUNK}-byte chunks at fixed offsets, each chunk is deflated on its own by
 * {@link ChunkDeflater} (primed with the 32 KiB before it) and the results are written in order.
 * Every chunk's bytes depend only on the input, so the output is the same whatever the number of
 * threads or the order they finish in. At most {@code inFlight} chunks wait or run at once, so
 * memory stays bounded and the stream never holds the whole layer.
 *
 * <p>The header is fixed (no name, mtime 0, OS unknown, as {@link java.util.zip.GZIPOutputStream}
 * writes it) so the bytes do not depend on when or where they were made.
 */
final class ParallelGzipOutputStream extends OutputStream {
    /** Bytes of input per chunk: big enough that the sync flush and dictionary per chunk cost nothing measurable. */
    static final int CHUNK = 1 << 20;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 255};

    private final OutputStream out;
    private final int level;
    private final Executor executor;
    private final int inFlight;
    private final CRC32 crc = new CRC32();
    /** Each chunk's write to {@code out}, oldest first; each waits for the one before, so chunks land in order. */
    private final ArrayDeque<CompletableFuture<Void>> pending = new ArrayDeque<>();
    private CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);
    private byte[] buffer = new byte[CHUNK];
    private int filled;
    private byte[] dictionary;
    private long size;
    private boolean finished;

    /**
     * @param executor runs chunk compression; {@code Runnable::run} compresses on the writing thread
     * @param inFlight how many chunks may be queued or compressing at once (at least 1)
     */
    ParallelGzipOutputStream(OutputStream out, int level, Executor executor, int inFlight) throws IOException {
        if (inFlight < 1) {
            throw new IllegalArgumentException("inFlight must be at least 1, got " + inFlight);
        }
        this.out = out;
        this.level = level;
        this.executor = executor;
        this.inFlight = inFlight;
        out.write(HEADER);
    }

    /** Compresses on a pool shared by all layer writes, one thread per core, so parallel builds do not oversubscribe the CPU. */
    static ParallelGzipOutputStream onSharedPool(OutputStream out, int level) throws IOException {
        return new ParallelGzipOutputStream(out, level, SharedPool.EXECUTOR, 2 * SharedPool.THREADS);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("write after finish");
        }
        while (len > 0) {
            int n = Math.min(len, CHUNK - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == CHUNK) {
                submit(false);
            }
        }
    }

    /** Ends the deflate stream and writes the trailer; leaves the underlying stream open. */
    void finish() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        submit(true);
        await(lastWrite);
        pending.clear();
        byte[] trailer = new byte[8];
        littleEndian(trailer, 0, (int) crc.getValue());
        littleEndian(trailer, 4, (int) size); // ISIZE is the length modulo 2^32
        out.write(trailer);
    }

    /**
     * Does nothing: cutting a chunk short would make the bytes depend on when flush was called, and
     * {@code out} belongs to the pool's write stages until {@link #finish()}.
     */
    @Override
    public void flush() {
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            out.close();
        }
    }

    private void submit(boolean last) throws IOException {
        byte[] data = buffer;
        int length = filled;
        byte[] previous = dictionary;
        crc.update(data, 0, length);
        size += length;
        try {
            CompletableFuture<ChunkDeflater.Deflated> deflated = CompletableFuture.supplyAsync(
                    () -> ChunkDeflater.deflate(data, length, previous, level, last), executor);
            // Writing (and so hashing) the compressed bytes also runs off this thread, which is busy
            // reading files and hashing the tar; chaining keeps the writes in order.
            lastWrite = lastWrite.thenCombineAsync(deflated, (ignored, chunk) -> {
                writeToOut(chunk);
                return null;
            }, executor);
        } catch (RejectedExecutionException e) {
            throw new IOException("compressing a layer chunk: " + e.getMessage(), e);
        }
        pending.add(lastWrite);
        if (!last) {
            // Every chunk but the last is full, so it holds the whole window the next one needs.
            dictionary = Arrays.copyOfRange(data, length - ChunkDeflater.DICTIONARY, length);
            buffer = new byte[CHUNK];
            filled = 0;
        }
        while (pending.size() >= inFlight || (!pending.isEmpty() && pending.peek().isDone())) {
            await(pending.remove());
        }
    }

    private void writeToOut(ChunkDeflater.Deflated chunk) {
        try {
            out.write(chunk.bytes(), 0, chunk.length());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void await(CompletableFuture<Void> write) throws IOException {
        try {
            write.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException unchecked ? unchecked.getCause() : e.getCause();
            throw new IOException("compressing a layer chunk: " + cause.getMessage(), cause);
        }
    }

    private static void littleEndian(byte[] bytes, int offset, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /** Created on first use; daemon threads, so an idle pool never keeps the JVM alive. */
    private static final class SharedPool {
        static final int THREADS = Runtime.getRuntime().availableProcessors();
        static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(THREADS, Thread.ofPlatform()
                .name("layer-gzip-", 0).daemon().factory());
    }
}
