package io.stevedore.builder.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A request body produced while it is sent: a writer thread fills a small bounded queue of chunks
 * that the HTTP client drains, so a large context is never held in memory. Unlike
 * PipedInputStream it does not care which pool thread reads. A failed writer makes the body end
 * with that IOException instead of a clean end of stream, so a half-written archive is never
 * uploaded as if complete.
 */
final class StreamingBody extends InputStream {
    private static final int CHUNK = 1 << 16;
    private static final byte[] END = new byte[0];

    /** Writes the whole body to {@code out}. */
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(16);
    private volatile IOException failure;
    private volatile boolean closed;
    private byte[] current = new byte[0];
    private int position;

    private StreamingBody() {}

    /** Starts the writer on its own thread; the returned stream is the body. */
    static StreamingBody start(Writer writer) {
        StreamingBody body = new StreamingBody();
        Thread.ofPlatform().daemon().name("body-writer").start(() -> body.produce(writer));
        return body;
    }

    private void produce(Writer writer) {
        try (OutputStream out = new java.io.BufferedOutputStream(new ChunkOutput(), CHUNK)) {
            writer.writeTo(out);
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new IOException(e.getMessage(), e);
        } finally {
            put(END);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        while (position == current.length) {
            if (current == END) {
                return -1;
            }
            try {
                current = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("upload interrupted");
            }
            position = 0;
            if (current == END && failure != null) {
                throw failure;
            }
        }
        int n = Math.min(length, current.length - position);
        System.arraycopy(current, position, buffer, offset, n);
        position += n;
        return n;
    }

    /** The client gave up on the body: the writer stops at its next chunk. */
    @Override
    public void close() {
        closed = true;
        chunks.clear();
    }

    /** Why the writer failed, or null. */
    IOException failure() {
        return failure;
    }

    private boolean put(byte[] chunk) {
        try {
            while (!closed) {
                if (chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private final class ChunkOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > 0 && !put(Arrays.copyOfRange(b, off, off + len))) {
                throw new IOException("the upload ended before the context was written");
            }
        }
    }
}
