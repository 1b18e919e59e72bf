package io.stevedore.builder.layers;

import java.time.Instant;

/**
 * How {@link LayerWriter} normalises a layer. {@code fixedTime} (SOURCE_DATE_EPOCH) clamps every
 * mtime to at most that instant, as BuildKit's rewrite-timestamp does; null keeps mtimes.
 * {@code compressionLevel} is the gzip level, 1 (fastest) to 9 (smallest), for data that
 * compresses; segments that do not shrink are stored whatever the level (see {@link ChunkDeflater}).
 */
public record LayerOptions(Instant fixedTime, int compressionLevel) {

    /**
     * Level 1: zlib's fastest level deflates several times faster than the default 6 while
     * typical layers (binaries, text, already-compressed archives) grow only by about a tenth.
     * Here compression is the bottleneck of every RUN step and the push goes to a nearby
     * registry, so the time saved outweighs the bytes.
     */
    public static final int DEFAULT_COMPRESSION_LEVEL = 1;

    public LayerOptions {
        if (compressionLevel < 1 || compressionLevel > 9) {
            throw new IllegalArgumentException("gzip compression level must be 1..9, got " + compressionLevel);
        }
    }

    public static LayerOptions defaults() {
        return new LayerOptions(null, DEFAULT_COMPRESSION_LEVEL);
    }

    public LayerOptions withFixedTime(Instant time) {
        return new LayerOptions(time, compressionLevel);
    }

    /** Whole seconds, clamped to the fixed time when one is set. */
    long mtimeSeconds(long seconds) {
        return fixedTime == null ? seconds : Math.min(seconds, fixedTime.getEpochSecond());
    }
}
