package io.stevedore.client;

import io.stevedore.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Passes bytes through while hashing them, and at the end of the stream throws
 * {@link BlobDigestMismatchException} instead of reporting EOF when they are not the expected
 * content: a reader never mistakes a corrupted or substituted blob for a finished one.
 */
final class DigestVerifyingInputStream extends FilterInputStream {
    private final Digest expected;
    private final String what;
    private final MessageDigest hash;
    /** Set at the end of the stream; a mismatch is thrown on every later read too, never turned into EOF. */
    private Digest actual;

    DigestVerifyingInputStream(InputStream in, Digest expected, String what) {
        super(in);
        this.expected = expected;
        this.what = what;
        this.hash = expected.newMessageDigest();
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
            verify();
        } else {
            hash.update((byte) b);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n < 0) {
            verify();
        } else {
            hash.update(buffer, offset, n);
        }
        return n;
    }

    /** Skipped bytes must be hashed too, so skipping reads them. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int read = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (read < 0) {
                break;
            }
            skipped += read;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readLimit) {
        // not supported: a reset would hash bytes twice
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    private void verify() throws BlobDigestMismatchException {
        if (actual == null) {
            actual = Digest.fromMessageDigest(expected.algorithm(), hash);
        }
        if (!actual.equals(expected)) {
            throw new BlobDigestMismatchException("blob " + what + " arrived with digest " + actual
                    + ": the registry served other content", expected, actual);
        }
    }
}
