package io.stevedore.builder.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This user's long-lived build process: listens on a Unix socket (mode 0600, in the work
 * directory) and runs each client's `build` command with the client's working directory and
 * environment, streaming stdout and stderr back. It exits after a quiet period
 * ({@code STEVEDORE_BUILD_DAEMON_IDLE} seconds, default 1800), when its socket is taken over, or on
 * `daemon stop`.
 */
final class BuildDaemon {
    static final String STOP = "--stop-daemon";

    private final Path socket;
    private final Duration idle;
    private final AtomicInteger active = new AtomicInteger();
    private volatile Instant lastActivity = Instant.now();

    private BuildDaemon(Path socket, Duration idle) {
        this.socket = socket;
        this.idle = idle;
    }

    /** Starts a daemon for {@code socket} unless one is already starting; never waits for it. Null when none was started here. */
    static Process startInBackground(Path socket, JarIdentity jar) {
        Path starting = socket.resolveSibling(socket.getFileName() + ".starting");
        try {
            Files.createDirectories(socket.getParent());
            try {
                Files.createFile(starting);
            } catch (FileAlreadyExistsException e) {
                if (Files.getLastModifiedTime(starting).toInstant().isAfter(Instant.now().minusSeconds(60))) {
                    return null;   // another client is starting it
                }
                Files.setLastModifiedTime(starting, FileTime.from(Instant.now()));
            }
            String java = ProcessHandle.current().info().command().orElse(null);
            if (java == null) {
                return null;
            }
            Path log = socket.resolveSibling(socket.getFileName() + ".log");
            return Detached.start(DaemonClient.daemonCommand(socket, jar, java, FastStart.cacheFile(jar)),
                    ProcessBuilder.Redirect.appendTo(log.toFile()));
        } catch (IOException | RuntimeException e) {
            return null;   // no daemon this time: builds still run in process
        }
    }

    static int serve(Path socket) {
        long idleSeconds = 1800;
        String configured = System.getenv("STEVEDORE_BUILD_DAEMON_IDLE");
        if (configured != null) {
            try {
                idleSeconds = Long.parseLong(configured.trim());
            } catch (NumberFormatException ignored) {
                // keep the default
            }
        }
        return new BuildDaemon(socket, Duration.ofSeconds(idleSeconds)).run();
    }

    private int run() {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            Files.createDirectories(socket.getParent());
            if (answers(socket)) {
                // two clients started a daemon at once: taking the socket over would end the other's builds
                Files.deleteIfExists(socket.resolveSibling(socket.getFileName() + ".starting"));
                System.out.println(Instant.now() + " build daemon not started: another one listens on " + socket);
                return 0;
            }
            Files.deleteIfExists(socket);
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            Object identity = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            Files.deleteIfExists(socket.resolveSibling(socket.getFileName() + ".starting"));
            System.out.println(Instant.now() + " build daemon listening on " + socket + " (pid " + ProcessHandle.current().pid() + ")");
            Thread watchdog = new Thread(() -> watch(identity), "daemon-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            while (true) {
                SocketChannel client = server.accept();
                active.incrementAndGet();
                lastActivity = Instant.now();
                Thread worker = new Thread(() -> handle(client), "build");
                worker.start();
            }
        } catch (IOException e) {
            System.out.println(Instant.now() + " build daemon stops: " + e.getMessage());
            return 1;
        }
    }

    private static boolean answers(Path socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void watch(Object identity) {
        while (true) {
            try {
                Thread.sleep(2000);
                Object current = Files.exists(socket)
                        ? Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey() : null;
                boolean replaced = current == null || !current.equals(identity);
                boolean quiet = active.get() == 0 && Instant.now().isAfter(lastActivity.plus(idle));
                // a replaced socket reaches no new client: the builds running here still finish
                if (replaced && active.get() == 0 || quiet) {
                    if (!replaced) {
                        Files.deleteIfExists(socket);
                    }
                    System.out.println(Instant.now() + " build daemon exits: " + (replaced ? "socket taken over" : "idle"));
                    System.exit(0);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException ignored) {
                // try again
            }
        }
    }

    private void handle(SocketChannel client) {
        try (client) {
            if (!SameUser.at(client)) {   // the socket's mode 0600 is set just after bind
                System.out.println(Instant.now() + " refused a client of another user");
                return;
            }
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(client)));
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Channels.newOutputStream(client)));
            Frames.Request request = Frames.readRequest(in);
            if (request == null) {
                return;
            }
            Path cwd = request.cwd();
            String[] args = request.args();
            Map<String, String> env = request.environment();
            if (args.length > 0 && args[0].equals(STOP)) {
                exit(out, 0);
                System.out.println(Instant.now() + " build daemon exits: stop requested");
                Files.deleteIfExists(socket);
                System.exit(0);
            }
            int status;
            try (PrintStream stdout = new PrintStream(Frames.channel(out, Frames.STDOUT), true, StandardCharsets.UTF_8);
                 PrintStream stderr = new PrintStream(Frames.channel(out, Frames.STDERR), true, StandardCharsets.UTF_8)) {
                if (args.length == 0 || !args[0].equals("build")) {
                    stderr.println("error: the build daemon only runs `build`");
                    status = 2;
                } else {
                    Thread build = Thread.currentThread();
                    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
                    Thread.ofVirtual().start(() -> interruptWhenGone(in, build, running));
                    try {
                        Instant started = Instant.now();
                        System.out.println(started + " build in " + cwd);
                        status = Main.build(stdout, stderr, env, cwd, Arrays.copyOfRange(args, 1, args.length));
                        System.out.println(Instant.now() + " build ended with " + status + " after "
                                + Duration.between(started, Instant.now()).toMillis() + " ms");
                    } catch (Throwable t) {
                        stderr.println("error: " + t);
                        status = 1;
                    } finally {
                        synchronized (running) {
                            running.set(false);
                            Thread.interrupted();
                        }
                    }
                }
            }
            exit(out, status);
        } catch (IOException e) {
            // the client went away; nothing to report to
        } finally {
            lastActivity = Instant.now();
            active.decrementAndGet();
        }
    }

    /**
     * The client sends nothing after its request, so the end of its stream means it went away
     * (Ctrl-C): the build is interrupted, which kills a running RUN step or cancels a remote build.
     */
    private static void interruptWhenGone(DataInputStream in, Thread build, java.util.concurrent.atomic.AtomicBoolean running) {
        try {
            while (in.read() >= 0) {
                // nothing is expected; keep reading until the end
            }
        } catch (IOException e) {
            // closed: gone as well
        }
        synchronized (running) {
            if (running.get()) {
                System.out.println(Instant.now() + " client went away: interrupting its build");
                build.interrupt();
            }
        }
    }

    private static void exit(DataOutputStream out, int status) throws IOException {
        synchronized (out) {
            out.writeByte(Frames.EXIT);
            out.writeInt(status);
            out.flush();
        }
    }
}
