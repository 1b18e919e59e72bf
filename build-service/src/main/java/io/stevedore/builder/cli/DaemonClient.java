package io.stevedore.builder.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The thin side of `build`: hands the command to this user's build daemon over a Unix socket and
 * relays its output, so a warm rebuild costs one small JVM start instead of a full one (the
 * daemon keeps HTTP connections, JIT-compiled code and parsed state between builds, as Gradle's
 * daemon and BuildKit's do). Loads few classes (java.base, and jdk.net for the peer's uid), and
 * uses no string `+` or lambdas on the way to the socket, whose first use in a JVM costs a
 * bootstrap each.
 *
 * <p>When no daemon answers, this client starts one. Once the jar's AOT cache exists, it waits
 * for the daemon and hands it the build; otherwise the build runs in this process and the daemon
 * serves the next one. A socket of another user's daemon is never used nor replaced: the build
 * runs here. {@code STEVEDORE_BUILD_DAEMON=off} keeps everything in process.
 */
final class DaemonClient {
    /** How long a client waits for the daemon it started to listen before it builds in process. */
    static final long DAEMON_START_WAIT_MILLIS = 10_000;
    /** What {@link #deliver} returns when no daemon listens on the socket: nothing was sent. */
    static final int NOT_LISTENING = -1;
    /** What {@link #deliver} returns when the listener is not this user's (or that cannot be told): nothing was sent. */
    static final int NOT_THIS_USERS = -2;

    private DaemonClient() {}

    static Optional<Integer> run(String[] args) {
        Map<String, String> env = System.getenv();
        if ("off".equals(env.get("STEVEDORE_BUILD_DAEMON")) || System.getProperty(FastStart.RELAUNCHED) != null) {
            return Optional.empty();
        }
        JarIdentity jar = JarIdentity.current();
        if (jar == null) {
            return Optional.empty();
        }
        Path socket = socketPath(workDir(args, env), jar);
        if (socket == null) {
            return Optional.empty();
        }
        int status = deliver(socket, args, env);
        if (status == NOT_LISTENING) {
            Process daemon = BuildDaemon.startInBackground(socket, jar);
            if (daemon != null && startsFromAotCache(jar, env)) {
                status = deliverWhenListening(socket, args, env, daemon);
            }
        }
        return status >= 0 ? Optional.of(status) : Optional.empty();
    }

    /** The daemon then maps its classes from the cache and listens within ~0.3 s here. */
    private static boolean startsFromAotCache(JarIdentity jar, Map<String, String> env) {
        Path cache = FastStart.cacheFile(jar);
        return !"off".equals(env.get("STEVEDORE_BUILD_AOT")) && cache != null && Files.exists(cache);
    }

    /**
     * Waits for the daemon this client just started and hands it the build. With the AOT cache the
     * daemon listens within ~0.3 s here, and the build is faster there than in a second JVM of this
     * client's that would compete with the daemon's start for the same cores: a first build after
     * the daemon idled out took 1.25-1.30 s instead of 1.80-1.94 s (docs/benchmarks.md). Without
     * the cache (the first run of a jar records it) the build runs here, as before. Gives up when
     * the daemon died (after one more try: another client's daemon may have won the socket) or did
     * not listen within {@link #DAEMON_START_WAIT_MILLIS}: the build then runs here.
     */
    private static int deliverWhenListening(Path socket, String[] args, Map<String, String> env, Process daemon) {
        long deadline = System.nanoTime() + DAEMON_START_WAIT_MILLIS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            boolean alive = daemon.isAlive();
            int status = deliver(socket, args, env);
            if (status != NOT_LISTENING || !alive) {
                return status;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 130;   // as a build interrupted by Ctrl-C ends
            }
        }
        return NOT_LISTENING;
    }

    /** Sockets live in the work directory, one per jar version; Unix socket paths must stay short. */
    static Path socketPath(Path workDir, JarIdentity jar) {
        Path socket = workDir.resolve("daemon-".concat(jar.tag()).concat(".sock"));   // no `+`: see JarIdentity
        return socket.toString().length() < 100 ? socket : null;
    }

    private static Path workDir(String[] args, Map<String, String> env) {
        Path cwd = Path.of("").toAbsolutePath();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--work-dir") && i + 1 < args.length) {
                return cwd.resolve(args[i + 1]);
            }
            if (args[i].startsWith("--work-dir=")) {
                return cwd.resolve(args[i].substring("--work-dir=".length()));
            }
        }
        return BuildOptions.defaultWorkDir(env, cwd);
    }

    /** Sends the request; empty when no daemon of this user listens (nothing was run). */
    static Optional<Integer> send(Path socket, String[] args, Map<String, String> env) {
        int status = deliver(socket, args, env);
        return status >= 0 ? Optional.of(status) : Optional.empty();
    }

    /** Sends the request and relays the answer: the build's exit status, {@link #NOT_LISTENING} or {@link #NOT_THIS_USERS}. */
    static int deliver(Path socket, String[] args, Map<String, String> env) {
        if (!Files.exists(socket)) {
            return NOT_LISTENING;
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            return NOT_LISTENING;
        }
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            closeQuietly(channel);
            return NOT_LISTENING;   // a stale socket file of a daemon that has gone
        }
        if (!SameUser.at(channel)) {
            closeQuietly(channel);
            return NOT_THIS_USERS;
        }
        try (channel) {
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Channels.newOutputStream(channel)));
            Frames.writeRequest(out, Path.of("").toAbsolutePath(), args, env);
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(channel)));
            while (true) {
                byte type = in.readByte();
                if (type == Frames.EXIT) {
                    return in.readInt();
                }
                int length = in.readInt();
                byte[] bytes = in.readNBytes(length);
                (type == Frames.STDOUT ? System.out : System.err).write(bytes);
                (type == Frames.STDOUT ? System.out : System.err).flush();
            }
        } catch (EOFException e) {
            System.err.println("error: the build daemon stopped during the build (see its log beside " + socket + ")");
            return 1;
        } catch (IOException e) {
            System.err.println("error: lost the build daemon: " + e.getMessage());
            return 1;
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was sent on it
        }
    }

    /** The command that starts a daemon (run {@link Detached}). */
    static List<String> daemonCommand(Path socket, JarIdentity jar, String java, Path aotCache) {
        List<String> command = new ArrayList<>();
        command.add(java);
        if (aotCache != null && Files.exists(aotCache)) {
            command.add("-XX:AOTCache=" + aotCache);
            command.addAll(FastStart.QUIET_CACHE_LOGS);
        }
        command.addAll(FastStart.mainClass(jar, "daemon"));
        command.addAll(List.of("daemon", socket.toString()));
        return command;
    }
}
