package io.stevedore.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.function.Consumer;

/**
 * A TCP listener on 127.0.0.1 that hands each connection to {@code serve} on a virtual thread of
 * its own: the shared part of the tests' relays in front of a real server (a fault-injecting S3,
 * a throttled link, a patched S3 answer), which differ only in what they do with the bytes.
 */
public final class LoopbackListener implements AutoCloseable {
    private final ServerSocket server;

    public LoopbackListener(Consumer<Socket> serve) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Thread.ofVirtual().start(() -> serve.accept(client));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
    }

    /** The address of {@code uri}'s server, for the relay's own connections to it. */
    public static InetSocketAddress target(URI uri) {
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
