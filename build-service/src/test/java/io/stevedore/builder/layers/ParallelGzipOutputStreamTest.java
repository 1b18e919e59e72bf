package io.stevedore.builder.layers;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelGzipOutputStreamTest {
    private static final int CHUNK = ParallelGzipOutputStream.CHUNK;
    private static final int PROBE = ChunkDeflater.PROBE;
    private static final int SEGMENT = ChunkDeflater.SEGMENT;

    @Test
    void everySizeAroundChunkBoundariesRoundTripsAsOneGzipMember() throws Exception {
        for (int size : new int[] {0, 1, SEGMENT, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12_345}) {
            byte[] input = mixed(size, size);

            byte[] gzip = compress(input, Runnable::run, 1, 1);

            assertThat(gunzip(gzip)).as("size %d", size).isEqualTo(input);
            assertSingleMember(gzip, input);
        }
    }

    @Test
    void everyLevelSwitchesToStoredCleanlyAndRoundTrips() throws Exception {
        byte[] input = mixed(2 * CHUNK + 4321, 9);
        for (int level = 1; level <= 9; level++) {
            byte[] gzip = compress(input, Runnable::run, level, 1);

            assertThat(gunzip(gzip)).as("level %d", level).isEqualTo(input);
            assertSingleMember(gzip, input);
        }
    }

    @Test
    void theBytesAreTheSameWhateverTheThreadCountAndTheOrderChunksFinishIn() throws Exception {
        byte[] input = mixed(7 * CHUNK + 777, 42);
        byte[] inline = compress(input, Runnable::run, 1, 1);

        for (int threads : new int[] {2, 4, 8}) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                assertThat(compress(input, pool, 1, 2 * threads)).as("%d threads", threads).isEqualTo(inline);
                // Random delays make chunks finish out of order.
                assertThat(compress(input, task -> pool.execute(() -> {
                    sleep(ThreadLocalRandom.current().nextInt(5));
                    task.run();
                }), 1, threads)).as("%d threads, shuffled", threads).isEqualTo(inline);
            } finally {
                pool.shutdown();
                pool.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
        assertThat(compress(input, Runnable::run, 1, 1)).as("second run").isEqualTo(inline);
    }

    @Test
    void incompressibleSegmentsAreStoredWhileTextIsDeflated() {
        byte[] random = random(CHUNK, 1);
        ChunkDeflater.Deflated stored = ChunkDeflater.deflate(random, CHUNK, null, 1, false);
        assertThat(stored.storedInput()).as("all but the probing segment").isEqualTo(CHUNK - PROBE);
        assertThat(stored.length()).isLessThan(CHUNK + CHUNK / 1000);

        byte[] text = text(CHUNK, 2);
        ChunkDeflater.Deflated deflated = ChunkDeflater.deflate(text, CHUNK, null, 1, false);
        assertThat(deflated.storedInput()).isZero();
        assertThat(deflated.length()).isLessThan(CHUNK / 2);

        // Text then random: the text still shrinks and storing starts after the first random segment.
        int textLength = PROBE + 3 * SEGMENT;
        byte[] both = text(CHUNK, 3);
        System.arraycopy(random(CHUNK - textLength, 4), 0, both, textLength, CHUNK - textLength);
        ChunkDeflater.Deflated mixed = ChunkDeflater.deflate(both, CHUNK, null, 1, false);
        assertThat(mixed.storedInput()).isEqualTo(CHUNK - textLength - SEGMENT);
        assertThat(mixed.length()).isLessThan(CHUNK - textLength + textLength / 2);
    }

    @Test
    void eachChunkProbesAgainSoTextAfterRandomDataIsCompressed() throws Exception {
        byte[] input = new byte[4 * CHUNK];
        System.arraycopy(random(2 * CHUNK, 5), 0, input, 0, 2 * CHUNK);
        System.arraycopy(text(2 * CHUNK, 6), 0, input, 2 * CHUNK, 2 * CHUNK);

        byte[] gzip = compress(input, Runnable::run, 1, 1);

        assertThat(gzip.length).isLessThan(2 * CHUNK + CHUNK / 2);
        assertThat(gunzip(gzip)).isEqualTo(input);
    }

    @Test
    void theHeaderCarriesNoNameAndNoTime() throws Exception {
        byte[] gzip = compress("hello".getBytes(StandardCharsets.UTF_8), Runnable::run, 1, 1);

        assertThat(gzip).startsWith(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);
    }

    @Test
    void aChunkThatCannotBeCompressedOrScheduledFailsTheWrite() throws Exception {
        ParallelGzipOutputStream badLevel = new ParallelGzipOutputStream(new ByteArrayOutputStream(), 42,
                Runnable::run, 1);
        assertThatThrownBy(() -> badLevel.write(new byte[CHUNK])).isInstanceOf(IOException.class)
                .hasMessageContaining("compressing a layer chunk");

        ParallelGzipOutputStream rejected = new ParallelGzipOutputStream(new ByteArrayOutputStream(), 1, task -> {
            throw new RejectedExecutionException("pool is shut down");
        }, 1);
        assertThatThrownBy(() -> rejected.write(new byte[CHUNK])).isInstanceOf(IOException.class)
                .hasMessageContaining("pool is shut down");
    }

    static byte[] compress(byte[] input, java.util.concurrent.Executor executor, int level, int inFlight)
            throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (ParallelGzipOutputStream gzip = new ParallelGzipOutputStream(sink, level, executor, inFlight)) {
            // Odd-sized writes so chunk boundaries never line up with write calls.
            for (int offset = 0; offset < input.length; offset += 100_003) {
                gzip.write(input, offset, Math.min(100_003, input.length - offset));
            }
        }
        return sink.toByteArray();
    }

    static byte[] gunzip(byte[] gzip) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }

    /** One deflate stream right after the 10-byte header, ending exactly 8 bytes (CRC32, ISIZE) before the end. */
    private static void assertSingleMember(byte[] gzip, byte[] input) throws DataFormatException {
        Inflater inflater = new Inflater(true);
        inflater.setInput(gzip, 10, gzip.length - 10);
        byte[] out = new byte[input.length + 1];
        int n = 0;
        while (!inflater.finished()) {
            n += inflater.inflate(out, n, out.length - n);
        }
        assertThat(n).isEqualTo(input.length);
        assertThat(inflater.getRemaining()).isEqualTo(8);
        inflater.end();
        CRC32 crc = new CRC32();
        crc.update(input);
        int trailer = gzip.length - 8;
        assertThat(littleEndian(gzip, trailer)).isEqualTo((int) crc.getValue());
        assertThat(littleEndian(gzip, trailer + 4)).isEqualTo(input.length);
    }

    private static int littleEndian(byte[] bytes, int offset) {
        return (bytes[offset] & 0xff) | (bytes[offset + 1] & 0xff) << 8 | (bytes[offset + 2] & 0xff) << 16
                | (bytes[offset + 3] & 0xff) << 24;
    }

    /** Alternating 300 KB runs of text, random bytes and zeros: every kind of segment, none chunk-aligned. */
    static byte[] mixed(int size, long seed) {
        byte[] bytes = new byte[size];
        Random random = new Random(seed);
        for (int offset = 0, run = 0; offset < size; offset += 300_000, run++) {
            int n = Math.min(300_000, size - offset);
            switch (run % 3) {
                case 0 -> System.arraycopy(text(n, random.nextLong()), 0, bytes, offset, n);
                case 1 -> System.arraycopy(random(n, random.nextLong()), 0, bytes, offset, n);
                default -> { } // zeros
            }
        }
        return bytes;
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static byte[] text(int size, long seed) {
        String[] words = {"layer", "build", "cache", "step", "RUN", "COPY", "digest", "sha256", "ok", "error"};
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder(size + 64);
        while (text.length() < size) {
            text.append(words[random.nextInt(words.length)]).append(random.nextInt(100) < 10 ? '\n' : ' ');
        }
        byte[] bytes = new byte[size];
        System.arraycopy(text.toString().getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, size);
        return bytes;
    }

    private static void sleep(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
