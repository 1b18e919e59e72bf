package io.stevedore.builder.layers;

import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.tukaani.xz.XZInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Recognises a compressed stream by its magic bytes, never by a file name or media type. */
public enum Decompression {
    GZIP, ZSTD, BZIP2, XZ, NONE;

    private static final int BUFFER = 1 << 16;

    /** Peeks at the first bytes of {@code in}, which must support mark/reset. */
    public static Decompression detect(InputStream in) throws IOException {
        in.mark(8);
        byte[] magic = in.readNBytes(6);
        in.reset();
        if (starts(magic, 0x1f, 0x8b)) {
            return GZIP;
        }
        if (starts(magic, 0x28, 0xb5, 0x2f, 0xfd)) {
            return ZSTD;
        }
        if (starts(magic, 'B', 'Z', 'h')) {
            return BZIP2;
        }
        if (starts(magic, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
            return XZ;
        }
        return NONE;
    }

    /** Detects the compression of {@code raw} and returns the decompressed stream. */
    public static InputStream open(InputStream raw) throws IOException {
        InputStream in = raw.markSupported() ? raw : new BufferedInputStream(raw, BUFFER);
        return detect(in).wrap(in);
    }

    public InputStream wrap(InputStream in) throws IOException {
        return switch (this) {
            // GZIPInputStream inflates in native zlib, the fastest option in the JDK
            case GZIP -> new GZIPInputStream(in, BUFFER);
            case ZSTD -> ZstdSupport.open(in);
            case BZIP2 -> new BZip2CompressorInputStream(in, true);
            case XZ -> new XZInputStream(in);
            case NONE -> in;
        };
    }

    private static boolean starts(byte[] data, int... magic) {
        if (data.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((data[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
