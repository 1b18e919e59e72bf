package io.stevedore.registry.storage;

import io.stevedore.registry.LoopbackListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A TCP proxy between Distribution 2.8 and S3Proxy, for {@link S3Benchmark} only. Distribution's
 * s3 driver dereferences ListParts's {@code IsTruncated}, which S3Proxy leaves out (it does not
 * paginate parts), so every chunked upload made Distribution panic. In S3's answers to
 * Distribution this proxy turns the {@code StorageClass} element of a {@code ListPartsResult}
 * (which the driver does not read) into {@code <IsTruncated>false</IsTruncated>} padded to the same
 * length, so no header changes; everything else passes byte for byte (signatures stay valid).
 * It looks within one read only, which holds the whole of such a small answer.
 */
final class ListPartsPatch implements AutoCloseable {
    private static final byte[] RESULT = ascii("<ListPartsResult");
    private static final byte[] STORAGE_CLASS = ascii("<StorageClass>STANDARD</StorageClass>");
    private static final byte[] TRUNCATED = Arrays.copyOf(ascii("<IsTruncated>false</IsTruncated>"), STORAGE_CLASS.length);

    static {
        Arrays.fill(TRUNCATED, "<IsTruncated>false</IsTruncated>".length(), TRUNCATED.length, (byte) ' ');
    }

    private final InetSocketAddress target;
    private final LoopbackListener listener;

    ListPartsPatch(URI s3) throws IOException {
        this.target = LoopbackListener.target(s3);
        this.listener = new LoopbackListener(this::serve);
    }

    URI endpoint() {
        return listener.url();
    }

    private void serve(Socket client) {
        try (client; Socket upstream = new Socket(target.getAddress(), target.getPort())) {
            Thread back = Thread.ofVirtual().start(() -> pipe(upstream, client, true));
            pipe(client, upstream, false);
            back.join();
        } catch (IOException | InterruptedException e) {
            // either side went away
        }
    }

    private static void pipe(Socket from, Socket to, boolean fromS3) {
        byte[] buffer = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (fromS3) {
                    patch(buffer, n);
                }
                out.write(buffer, 0, n);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    static void patch(byte[] buffer, int length) {
        int result = indexOf(buffer, length, RESULT, 0);
        if (result >= 0) {
            int element = indexOf(buffer, length, STORAGE_CLASS, result);
            if (element >= 0) {
                System.arraycopy(TRUNCATED, 0, buffer, element, TRUNCATED.length);
            }
        }
    }

    private static int indexOf(byte[] buffer, int length, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (buffer[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
