package io.stevedore.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Programs run as another user (nobody, via setpriv), as in a shared work dir: a listener on a
 * daemon's socket name that records whether any client sent it a byte, and a client that sends a
 * daemon a request. Needs root and setpriv; skipped otherwise.
 */
final class AnotherUser implements AutoCloseable {
    private static final String LISTENER = """
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
    /** Sends `build --help` in the daemon's wire format and prints how many bytes came back before it closed. */
    private static final String CLIENT = """
            import java.io.*;
            import java.net.*;
            import java.nio.channels.*;

            public class Client {
                public static void main(String[] args) throws Exception {
                    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(args[0]))) {
                        DataOutputStream out = new DataOutputStream(Channels.newOutputStream(channel));
                        out.writeInt(1);
                        writeString(out, "/");
                        out.writeInt(2);
                        writeString(out, "build");
                        writeString(out, "--help");
                        out.writeInt(0);
                        out.flush();
                        InputStream in = Channels.newInputStream(channel);
                        long answered = 0;
                        try {
                            for (int n; (n = in.read(new byte[8192])) > 0; ) {
                                answered += n;
                            }
                        } catch (IOException e) {
                            // a reset: closed with the request unread
                        }
                        System.out.println(answered);
                    }
                }

                static void writeString(DataOutputStream out, String text) throws IOException {
                    byte[] bytes = text.getBytes("UTF-8");
                    out.writeInt(bytes.length);
                    out.write(bytes);
                }
            }
            """;

    private final Process process;
    private final Path received;

    private AnotherUser(Process process, Path received) {
        this.process = process;
        this.received = received;
    }

    /** Listens on {@code socket}; every directory from {@code root} down to it is opened to other users. */
    static AnotherUser listen(Path root, Path socket) throws Exception {
        Path received = socket.resolveSibling("received");
        Process process = start(root, socket, "Listener", LISTENER, received.toString());
        for (int i = 0; i < 300 && !Files.exists(socket) && process.isAlive(); i++) {
            Thread.sleep(100);
        }
        assumeTrue(Files.exists(socket), "the listener of another user did not start: " + Files.readString(root.resolve("Listener.log")));
        assertThat(Files.getOwner(socket).getName()).isNotEqualTo("root");
        return new AnotherUser(process, received);
    }

    /** Sends a daemon on {@code socket} a request as another user; the number of bytes it answered. */
    static int request(Path root, Path socket) throws Exception {
        Process process = start(root, socket, "Client", CLIENT);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(root.resolve("Client.log")).trim();
        assumeTrue(output.matches("\\d+"), "the client of another user did not run: " + output);
        return Integer.parseInt(output);
    }

    private static Process start(Path root, Path socket, String name, String source, String... more) throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "runs a program as another user: needs root; skipping");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux); skipping");
        Path program = Files.writeString(root.resolve(name + ".java"), source, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rw-r--r--"));
        for (Path dir = socket.getParent(); dir.startsWith(root); dir = dir.getParent()) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", java, program.toString(), socket.toString()));
        command.addAll(List.of(more));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(root.resolve(name + ".log").toFile()).start();
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
