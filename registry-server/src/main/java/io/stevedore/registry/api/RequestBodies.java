package io.stevedore.registry.api;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.springframework.http.HttpStatus;

/** Large request bodies the API streams (build contexts, image archives): size limits and gzip. */
public final class RequestBodies {
    private static final int BUFFER = 64 * 1024;

    private RequestBodies() {
    }

    /**
     * The body, failing with 413 once more than {@code limit} bytes have arrived, before more is stored.
     *
     * @param what    what the body is, for the message ("the build context")
     * @param setting the property that sets the limit
     */
    public static InputStream limited(InputStream body, long limit, String what, String setting) {
        return new Limited(body, limit, what, setting);
    }

    /** The body, gunzipped if it starts with gzip's magic number. */
    public static InputStream decompressed(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        return first == 0x1f && second == 0x8b ? new GZIPInputStream(in, BUFFER) : in;
    }

    private static final class Limited extends FilterInputStream {
        private final long limit;
        private final String what;
        private final String setting;
        private long count;

        Limited(InputStream in, long limit, String what, String setting) {
            super(in);
            this.limit = limit;
            this.what = what;
            this.setting = setting;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            int length = (int) Math.min(n, BUFFER);
            return Math.max(read(new byte[length], 0, length), 0); // counted like any other read
        }

        private void count(long n) {
            count += n;
            if (count > limit) {
                throw new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, what + " is larger than the " + limit
                        + " bytes this registry accepts (" + setting + ")");
            }
        }
    }
}
