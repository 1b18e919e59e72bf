package io.stevedore.registry.outages;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a real S3 API that passes connections through byte for
 * byte (so request signatures stay valid), or answers the next requests with 503 SlowDown as an
 * overloaded S3 does, then closes the connection.
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

    private final ServerSocket server;
    private final InetSocketAddress target;
    /** Connections still to refuse with 503; negative: all of them. */
    private final AtomicInteger failures = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    FaultyS3Proxy(URI target) throws IOException {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
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

    void heal() {
        failures.set(0);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
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
                Thread back = Thread.ofVirtual().start(() -> pipe(upstream, client));
                pipe(client, upstream);
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

    private static void pipe(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
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
        server.close();
    }
}
