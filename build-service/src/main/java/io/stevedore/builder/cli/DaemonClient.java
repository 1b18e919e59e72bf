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
 * daemon and BuildKit's do). Uses only java.base classes, and no string `+` or lambdas on the way
 * to the socket, whose first use in a JVM costs a bootstrap each.
 *
 * <p>When no daemon answers, the build runs in this process and a daemon is started in the
 * background for the next one. {@code STEVEDORE_BUILD_DAEMON=off} keeps everything in process.
 */
final class DaemonClient {
    /** How long a client waits for the daemon it started to listen before it builds in process. */
    static final long DAEMON_START_WAIT_MILLIS = 10_000;

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
        Optional<Integer> status = send(socket, args, env);
        if (status.isEmpty()) {
            Process daemon = BuildDaemon.startInBackground(socket, jar);
            Path cache = FastStart.cacheFile(jar);
            if (daemon != null && cache != null && Files.exists(cache)) {
                status = sendWhenListening(socket, args, env, daemon);
            }
        }
        return status;
    }

    /**
     * Waits for the daemon this client just started and hands it the build. With the AOT cache the
     * daemon listens within ~0.3 s here, and the build is faster there than in a second JVM of this
     * client's that would compete with the daemon's start for the same cores: a first build after
     * the daemon idled out took 0.75 s instead of 1.3 s (docs/benchmarks.md). Without the cache
     * (the first run of a jar records it) the build runs here, as before. Empty when the daemon
     * died or did not listen within {@link #DAEMON_START_WAIT_MILLIS}: the build then runs here.
     */
    private static Optional<Integer> sendWhenListening(Path socket, String[] args, Map<String, String> env, Process daemon) {
        long deadline = System.nanoTime() + DAEMON_START_WAIT_MILLIS * 1_000_000L;
        while (daemon.isAlive() && System.nanoTime() < deadline) {
            Optional<Integer> status = send(socket, args, env);
            if (status.isPresent()) {
                return status;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
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

    /** Sends the request; empty when no daemon listens (nothing was run). */
    static Optional<Integer> send(Path socket, String[] args, Map<String, String> env) {
        if (!Files.exists(socket)) {
            return Optional.empty();
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            if (!ofThisUser(channel)) {
                channel.close();
                return Optional.empty();
            }
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();   // a stale socket file of a daemon that has gone
        }
        try (channel) {
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Channels.newOutputStream(channel)));
            out.writeInt(Frames.VERSION);
            Frames.writeString(out, Path.of("").toAbsolutePath().toString());
            out.writeInt(args.length);
            for (String arg : args) {
                Frames.writeString(out, arg);
            }
            out.writeInt(env.size());
            for (Map.Entry<String, String> entry : env.entrySet()) {
                Frames.writeString(out, entry.getKey());
                Frames.writeString(out, entry.getValue());
            }
            out.flush();
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(channel)));
            while (true) {
                byte type = in.readByte();
                if (type == Frames.EXIT) {
                    return Optional.of(in.readInt());
                }
                int length = in.readInt();
                byte[] bytes = in.readNBytes(length);
                (type == Frames.STDOUT ? System.out : System.err).write(bytes);
                (type == Frames.STDOUT ? System.out : System.err).flush();
            }
        } catch (EOFException e) {
            System.err.println("error: the build daemon stopped during the build (see its log beside " + socket + ")");
            return Optional.of(1);
        } catch (IOException e) {
            System.err.println("error: lost the build daemon: " + e.getMessage());
            return Optional.of(1);
        }
    }

    /**
     * The request carries this user's environment, secrets included: only to a daemon running as
     * the same user (a shared work dir could hold another user's socket under the same name).
     * /proc/self is owned by this process's effective user; principals compare by uid.
     */
    private static boolean ofThisUser(SocketChannel channel) throws IOException {
        return channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user()
                .equals(Files.getOwner(Path.of("/proc/self")));
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
