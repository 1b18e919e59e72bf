package io.stevedore.registry.proxy;

import io.stevedore.registry.LoopbackListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP relay to a server that carries what the server sends at most {@code bytesPerSecond} per
 * connection, like the network between a registry and a remote upstream such as Docker Hub. Used
 * to compare a first pull through the cache with a direct pull over the same link, which is the
 * comparison a user of a remote upstream sees; on loopback both would be bound by CPU instead.
 */
final class ThrottledLink implements AutoCloseable {
    private final InetSocketAddress target;
    private final long bytesPerSecond;
    private final LoopbackListener listener;

    ThrottledLink(URI target, long bytesPerSecond) throws IOException {
        this.target = LoopbackListener.target(target);
        this.bytesPerSecond = bytesPerSecond;
        this.listener = new LoopbackListener(this::serve);
    }

    URI url() {
        return listener.url();
    }

    private void serve(Socket client) {
        try {
            Socket server = new Socket(target.getAddress(), target.getPort());
            Thread.ofVirtual().start(() -> relay(client, server, Long.MAX_VALUE));
            relay(server, client, bytesPerSecond);
        } catch (IOException e) {
            try {
                client.close();
            } catch (IOException ignored) {
                // the server is not there; neither is the client now
            }
        }
    }

    /** Copies until either side closes, no faster than the rate; then closes both. */
    private Void relay(Socket from, Socket to, long rate) {
        try (from; to; InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[64 * 1024];
            long start = System.nanoTime();
            long sent = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (System.nanoTime() - (start + sent * 1_000_000_000L / Math.min(rate, Long.MAX_VALUE / 1_000_000_000L))
                        > 10_000_000L) {
                    start = System.nanoTime(); // idle (a kept-alive connection between requests): no saved-up credit
                    sent = 0;
                }
                out.write(buffer, 0, n);
                out.flush();
                sent += n;
                if (rate != Long.MAX_VALUE) {
                    long due = start + sent * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
            }
        } catch (IOException e) {
            // one side went away; closing both ends the exchange
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
