package io.stevedore.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A socket under the daemon's name, held by a process of another user (nobody, via setpriv), as in
 * a shared work dir: it records whether any client sent it a byte. Needs root.
 */
final class AnotherUsersDaemon implements AutoCloseable {
    private static final String SOURCE = """
            import java.net.*;
            import java.nio.ByteBuffer;
            import java.nio.channels.*;
            import java.nio.file.*;

            public class Listener {
                public static void main(String[] args) throws Exception {
                    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                    server.bind(UnixDomainSocketAddress.of(args[0]));
                    while (true) {
                        try (SocketChannel client = server.accept()) {
                            if (client.read(ByteBuffer.allocate(65536)) > 0) {
                                Files.writeString(Path.of(args[1]), "received", StandardOpenOption.CREATE);
                            }
                        }
                    }
                }
            }
            """;

    private final Process process;
    private final Path received;

    private AnotherUsersDaemon(Process process, Path received) {
        this.process = process;
        this.received = received;
    }

    /** Listens on {@code socket}; every directory from {@code root} down to it is opened to other users. */
    static AnotherUsersDaemon listen(Path root, Path socket) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "starts a process as another user: needs root; skipping");
        Path listener = Files.writeString(root.resolve("Listener.java"), SOURCE);
        for (Path dir = socket.getParent(); dir.startsWith(root); dir = dir.getParent()) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        Files.setPosixFilePermissions(listener, PosixFilePermissions.fromString("rw-r--r--"));
        Path received = socket.resolveSibling("received");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process process = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                java, listener.toString(), socket.toString(), received.toString())
                .redirectErrorStream(true).redirectOutput(root.resolve("listener.log").toFile()).start();
        for (int i = 0; i < 300 && !Files.exists(socket) && process.isAlive(); i++) {
            Thread.sleep(100);
        }
        assertThat(socket).as(Files.readString(root.resolve("listener.log"))).exists();
        assertThat(Files.getOwner(socket).getName()).isNotEqualTo("root");
        return new AnotherUsersDaemon(process, received);
    }

    boolean receivedAnything() {
        return Files.exists(received);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
