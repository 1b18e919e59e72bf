package io.stevedore.builder.layers;

import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Deflates one chunk of a gzip stream into raw deflate blocks that can be concatenated with the
 * chunks before and after it (pigz style): the chunk is primed with the previous chunk's last
 * 32 KiB as dictionary, so matches still reach back across the boundary, and ends on a byte
 * boundary with a sync flush (or the final block for the last chunk).
 *
 * <p>Incompressible data (random bytes, archives, images) makes deflate search for matches that
 * are not there, several times slower than copying. So each chunk is deflated in segments, each
 * ending with a sync flush whose output size tells how well the segment shrank; once a segment
 * does not shrink meaningfully the rest of the chunk is written as stored blocks (level 0). Every
 * chunk starts compressing again, which re-probes the data once per chunk. The decision uses only
 * the bytes, never timing, so the same input always gives the same output.
 */
final class ChunkDeflater {
    /** The deflate window: the most a match can reach back, so all the dictionary a chunk needs. */
    static final int DICTIONARY = 32 * 1024;
    /**
     * The first segment of each chunk: on incompressible data it is the only part deflated, so it is
     * kept small (1/64 of a chunk); 16 KiB of text still shrinks well below the threshold.
     */
    static final int PROBE = 16 * 1024;
    /** Later segments: a sync flush per segment costs 5 bytes in 64 KiB and still notices incompressible data early. */
    static final int SEGMENT = 64 * 1024;
    /** A segment whose deflated size is above this share of its input is treated as incompressible. */
    static final double INCOMPRESSIBLE_RATIO = 0.97;

    private static final byte[] NO_INPUT = new byte[0];

    /** The deflated bytes are {@code bytes[0, length)}; {@code storedInput} input bytes went into stored blocks. */
    record Deflated(byte[] bytes, int length, int storedInput) {}

    private final Deflater deflater;
    private final int level;
    // The output space offered to zlib must depend only on the input: stored block sizes follow it.
    private byte[] out;
    private int written;

    private ChunkDeflater(int level, int inputLength) {
        this.deflater = new Deflater(level, true);
        this.level = level;
        this.out = new byte[inputLength + (inputLength >> 10) + 1024];
    }

    /**
     * Deflates {@code data[0, length)}; {@code dictionary} is the previous chunk's last bytes, or
     * null for the first chunk; the {@code last} chunk ends the deflate stream.
     */
    static Deflated deflate(byte[] data, int length, byte[] dictionary, int level, boolean last) {
        ChunkDeflater chunk = new ChunkDeflater(level, length);
        try {
            return chunk.run(data, length, dictionary, last);
        } finally {
            chunk.deflater.end();
        }
    }

    private Deflated run(byte[] data, int length, byte[] dictionary, boolean last) {
        if (dictionary != null && level > 0) {
            deflater.setDictionary(dictionary);
        }
        int position = 0;
        boolean storing = level == 0;
        while (position < length && !storing) {
            int segment = Math.min(position == 0 ? PROBE : SEGMENT, length - position);
            int before = written;
            deflater.setInput(data, position, segment);
            flush(Deflater.SYNC_FLUSH);
            position += segment;
            if (written - before > segment * INCOMPRESSIBLE_RATIO) {
                storing = true;
                switchToStored();
            }
        }
        int storedInput = length - position;
        if (position < length) {
            deflater.setInput(data, position, length - position);
            flush(Deflater.SYNC_FLUSH);
        }
        if (last) {
            deflater.setInput(NO_INPUT);
            deflater.finish();
            while (!deflater.finished()) {
                deflateInto(Deflater.NO_FLUSH);
            }
        }
        return new Deflated(out, written, storedInput);
    }

    /**
     * zlib applies a new level on the next deflate call and first compresses whatever input that
     * call carries with the old level, so the change is made with no input: right after a sync
     * flush nothing is pending and the switch is clean.
     */
    private void switchToStored() {
        deflater.setLevel(Deflater.NO_COMPRESSION);
        deflater.setInput(NO_INPUT);
        deflateInto(Deflater.NO_FLUSH);
    }

    /** Deflates all the current input and flushes it to a byte boundary. */
    private void flush(int mode) {
        // Per Deflater's contract: a call that fills the space offered must be repeated.
        while (deflateInto(mode) || !deflater.needsInput()) {
            // more output pending
        }
    }

    /** One deflate call; true when it filled all the output space offered. */
    private boolean deflateInto(int mode) {
        if (written == out.length) {
            out = Arrays.copyOf(out, out.length * 2);
        }
        int space = out.length - written;
        int n = deflater.deflate(out, written, space, mode);
        written += n;
        return n == space;
    }
}
