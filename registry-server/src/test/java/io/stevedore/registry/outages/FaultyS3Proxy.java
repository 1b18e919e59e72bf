package io.stevedore.registry.outages;

import io.stevedore.registry.LoopbackListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of a real S3 API that passes connections through byte for
 * byte (so request signatures stay valid), or answers the next requests with 503 SlowDown as an
 * overloaded S3 does, then closes the connection, or cuts a response off in the middle, as a
 * connection to S3 that breaks during a download.
 */
final class FaultyS3Proxy implements AutoCloseable {
    private static final byte[] SLOW_DOWN;

    static {
        byte[] body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        SLOW_DOWN = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, SLOW_DOWN, 0, headBytes.length);
        System.arraycopy(body, 0, SLOW_DOWN, headBytes.length, body.length);
    }

    private final InetSocketAddress target;
    private final LoopbackListener listener;
    /** Connections still to refuse with 503; negative: all of them. */
    private final AtomicInteger failures = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Bytes from S3 after which the next connection to get that many is cut; 0: none armed. */
    private final AtomicLong cutAfter = new AtomicLong();
    private final AtomicInteger cuts = new AtomicInteger();

    FaultyS3Proxy(URI target) throws IOException {
        this.target = LoopbackListener.target(target);
        this.listener = new LoopbackListener(this::serve);
    }

    URI endpoint() {
        return listener.url();
    }

    /** Answers every connection with 503 SlowDown until {@link #heal()}; open ones are reset. */
    void failAll() {
        failures.set(-1);
        resetOpenConnections();
    }

    /** Answers the next {@code count} connections with 503 SlowDown; open ones are reset. */
    void failNext(int count) {
        failures.set(count);
        resetOpenConnections();
    }

    /** Faults act per connection: kept-alive ones would carry requests past them, so they are cut. */
    private void resetOpenConnections() {
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /**
     * Cuts the next connection that receives more than {@code bytes} from S3 right there (the
     * registry's S3 client sees the response end early), once; open connections are reset first,
     * so the bytes counted are those of a new connection.
     */
    void breakNextResponseAfter(long bytes) {
        cutAfter.set(bytes);
        resetOpenConnections();
    }

    /** How many responses were cut so far. */
    int cuts() {
        return cuts.get();
    }

    /** Connections from the registry currently passed through to S3. */
    int openConnections() {
        return open.size();
    }

    void heal() {
        failures.set(0);
    }

    private boolean shouldFail() {
        return failures.getAndUpdate(n -> n > 0 ? n - 1 : n) != 0;
    }

    private void serve(Socket client) {
        try (client) {
            if (shouldFail()) {
                skipRequestHead(client.getInputStream());
                client.getOutputStream().write(SLOW_DOWN);
                client.getOutputStream().flush();
                return;
            }
            open.add(client);
            try (Socket upstream = new Socket(target.getAddress(), target.getPort())) {
                Thread back = Thread.ofVirtual().start(() -> pipe(upstream, client, true));
                pipe(client, upstream, false);
                back.join();
            } finally {
                open.remove(client);
            }
        } catch (IOException | InterruptedException e) {
            // the client or S3 went away: so does the other side
        }
    }

    private static void skipRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    /**
     * Bytes one way until the sender closes; S3's answers to the registry ({@code fromS3}) are cut
     * off where {@link #breakNextResponseAfter} says.
     */
    private void pipe(Socket from, Socket to, boolean fromS3) {
        byte[] buffer = new byte[64 * 1024];
        long passed = 0;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                long limit = fromS3 ? cutAfter.get() : 0;
                if (limit > 0 && passed + n > limit && cutAfter.compareAndSet(limit, 0)) {
                    out.write(buffer, 0, (int) (limit - passed));
                    out.flush();
                    cuts.incrementAndGet();
                    to.close();
                    from.close();
                    return;
                }
                out.write(buffer, 0, n);
                passed += n;
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

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
