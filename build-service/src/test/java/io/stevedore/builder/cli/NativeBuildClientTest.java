package io.stevedore.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native client (src/main/c/stevedore-build.c), compiled here, against daemons that read its
 * bytes with the daemon's own {@link Frames} code, and against the real daemon in a JVM of its own.
 * A fake JAVA_HOME stands in for `java -jar`, so a client that missed the daemon shows it.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)   // a wrong client may wait forever
class NativeBuildClientTest {
    private static final Path SOURCE = Path.of("src", "main", "c", "stevedore-build.c");
    /** A thread per blocking read or accept: the common pool may have one worker. */
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    @TempDir
    static Path compiled;

    private static Path client;

    @TempDir
    Path dir;

    private Path jar;
    private Path home;
    private Path cwd;
    private Path fakeJavaHome;

    @BeforeAll
    static void compile() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/cc")) && Files.exists(Path.of("/usr/include/stdio.h")),
                "no C compiler and C library headers (/usr/bin/cc, /usr/include; Debian: gcc, libc6-dev): skipping the native client");
        client = compiled.resolve("stevedore-build");
        Process cc = new ProcessBuilder("/usr/bin/cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra",
                "-Wconversion", "-Werror", "-o", client.toString(), SOURCE.toString()).redirectErrorStream(true).start();
        String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cc.waitFor()).as(output).isZero();
    }

    @BeforeEach
    void files() throws IOException {
        jar = Files.writeString(dir.resolve("build-service.jar"), "not really a jar");
        home = Files.createDirectories(dir.resolve("home"));
        cwd = Files.createDirectories(dir.resolve("project"));
        fakeJavaHome = Files.createDirectories(dir.resolve("jdk"));
        Path java = Files.createDirectories(fakeJavaHome.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf 'java'\nprintf ' <%s>' \"$@\"\necho\nexit 7\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private record Run(int status, String out, String err) {
    }

    private Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", home.toString());
        env.put("JAVA_HOME", fakeJavaHome.toString());
        env.put("STEVEDORE_BUILD_JAR", jar.toString());
        return env;
    }

    private Process start(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(client.toString()));
        command.addAll(List.of(args));
        return launch(command, env);
    }

    /** {@code command} in the project directory with exactly {@code env}. */
    private Process launch(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        return builder.start();
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        return finish(start(env, args));
    }

    private static Run finish(Process process) throws Exception {
        CompletableFuture<byte[]> out = readAll(process.getInputStream());
        CompletableFuture<byte[]> err = readAll(process.getErrorStream());
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the client did not finish within 60 s");
        }
        return new Run(process.exitValue(), new String(out.get(), StandardCharsets.UTF_8),
                new String(err.get(), StandardCharsets.UTF_8));
    }

    private static CompletableFuture<byte[]> readAll(java.io.InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, THREADS);
    }

    /** What the fake java prints for these arguments: each in angle brackets, so none split or joined. */
    private String javaCall(String... args) {
        StringBuilder line = new StringBuilder("java <-jar> <" + jar + ">");
        for (String arg : args) {
            line.append(" <").append(arg).append('>');
        }
        return line.append('\n').toString();
    }

    /** Where the Java client would look for the daemon, with this environment. */
    private Path socketFor(Map<String, String> env) {
        return DaemonClient.socketPath(BuildOptions.defaultWorkDir(env, cwd), JarIdentity.of(jar));
    }

    private static ServerSocketChannel listen(Path socket) throws IOException {
        Files.createDirectories(socket.getParent());
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return server;
    }

    /** Accepts one client, hands its request to {@code answer}, which writes frames. */
    private static CompletableFuture<Frames.Request> serveOnce(ServerSocketChannel server, Answer answer) {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel channel = server.accept()) {
                DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
                DataOutputStream out = new DataOutputStream(Channels.newOutputStream(channel));
                Frames.Request request = Frames.readRequest(in);
                answer.answer(request, in, out);
                return request;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, THREADS);
    }

    private interface Answer {
        void answer(Frames.Request request, DataInputStream in, DataOutputStream out) throws IOException;
    }

    private static void frame(DataOutputStream out, byte channel, String text) throws IOException {
        Frames.channel(out, channel).write(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void exit(DataOutputStream out, int status) throws IOException {
        out.writeByte(Frames.EXIT);
        out.writeInt(status);
        out.flush();
    }

    @Test
    void buildIsHandedToTheDaemonWithTheCallersDirectoryArgumentsAndEnvironment() throws Exception {
        Map<String, String> env = environment();
        env.put("BUILD_TOKEN", "a=b c\u00e9\u4e2d");
        env.put("EMPTY", "");
        Path socket = socketFor(env);
        assertThat(socket).isEqualTo(home.resolve(".cache/stevedore-build").resolve("daemon-" + JarIdentity.of(jar).tag() + ".sock"));
        try (ServerSocketChannel server = listen(socket)) {
            CompletableFuture<Frames.Request> served = serveOnce(server, (request, in, out) -> {
                frame(out, Frames.STDERR, "#1 FROM busybox\n");
                frame(out, Frames.STDOUT, "sha256:");
                frame(out, Frames.STDOUT, "0123\n");
                exit(out, 3);
            });
            Run run = run(env, "build", "-t", "registry.example/app:1", "--build-arg", "WHO=\u00e9", ".");
            Frames.Request request = served.get(30, TimeUnit.SECONDS);

            assertThat(run.status()).as(run.err()).isEqualTo(3);
            assertThat(run.out()).isEqualTo("sha256:0123\n");
            assertThat(run.err()).isEqualTo("#1 FROM busybox\n");
            assertThat(request.cwd()).isEqualTo(cwd.toRealPath());
            assertThat(request.args()).containsExactly("build", "-t", "registry.example/app:1", "--build-arg", "WHO=\u00e9", ".");
            assertThat(request.environment()).isEqualTo(env);
        }
    }

    @Test
    void theWorkDirOptionAndVariablePickTheDaemonAsTheJavaClientDoes() throws Exception {
        Map<String, String> env = environment();
        env.put("STEVEDORE_BUILD_DIR", "relative/work");
        Path byVariable = socketFor(env);
        assertThat(byVariable).startsWithRaw(cwd.resolve("relative/work"));
        Path byOption = DaemonClient.socketPath(cwd.resolve("other"), JarIdentity.of(jar));
        for (Path socket : List.of(byVariable, byOption)) {
            try (ServerSocketChannel server = listen(socket)) {
                CompletableFuture<Frames.Request> served = serveOnce(server, (request, in, out) -> exit(out, 0));
                Run run = socket == byVariable ? run(env, "build", "-t", "r/a:1", ".")
                        : run(env, "build", "--work-dir=other", "-t", "r/a:1", ".");
                assertThat(run.status()).as(run.out() + run.err()).isZero();
                assertThat(served.get(30, TimeUnit.SECONDS).args()).contains("build");
            }
        }
        Path absolute = dir.resolve("absolute work");
        for (String[] option : List.of(new String[] {"--work-dir", absolute.toString()}, new String[] {"--work-dir="})) {
            Path socket = option.length == 2 ? absolute.resolve(byOption.getFileName()) : cwd.resolve(byOption.getFileName());
            try (ServerSocketChannel server = listen(socket)) {
                CompletableFuture<Frames.Request> served = serveOnce(server, (request, in, out) -> exit(out, 0));
                List<String> args = new ArrayList<>(List.of("build"));
                args.addAll(List.of(option));
                args.add(".");
                assertThat(run(env, args.toArray(String[]::new)).status()).as(String.join(" ", args)).isZero();
                served.get(30, TimeUnit.SECONDS);
            }
        }
        try (ServerSocketChannel server = listen(cwd.resolve("with space").resolve(byOption.getFileName()))) {
            CompletableFuture<Frames.Request> served = serveOnce(server, (request, in, out) -> exit(out, 0));
            assertThat(run(env, "build", "--work-dir", "with space", ".").status()).isZero();
            assertThat(served.get(30, TimeUnit.SECONDS).args()).containsExactly("build", "--work-dir", "with space", ".");
        }
    }

    @Test
    void withoutADaemonTheJarRunsWithTheSameArguments() throws Exception {
        Run run = run(environment(), "build", "-t", "r/a:1", "my context", "");
        assertThat(run.status()).isEqualTo(7);
        assertThat(run.out()).isEqualTo(javaCall("build", "-t", "r/a:1", "my context", ""));

        Path stale = socketFor(environment());
        Files.createDirectories(stale.getParent());
        listen(stale).close();   // the socket file of a daemon that has gone
        assertThat(stale).exists();
        assertThat(run(environment(), "build", ".").out()).isEqualTo(javaCall("build", "."));
    }

    @Test
    void otherCommandsAndDaemonOffGoStraightToTheJar() throws Exception {
        Map<String, String> env = environment();
        try (ServerSocketChannel server = listen(socketFor(env))) {
            server.configureBlocking(false);
            assertThat(run(env, "worker", "--registry", "http://x").out()).isEqualTo(javaCall("worker", "--registry", "http://x"));
            assertThat(run(env, "daemon", "stop").out()).isEqualTo(javaCall("daemon", "stop"));
            assertThat(run(env).out()).isEqualTo(javaCall());
            env.put("STEVEDORE_BUILD_DAEMON", "off");
            assertThat(run(env, "build", ".").out()).isEqualTo(javaCall("build", "."));
            assertThat(server.accept()).as("nobody called the daemon").isNull();
        }
    }

    @Test
    void aDaemonThatStopsDuringTheBuildIsAnErrorNotAHang() throws Exception {
        try (ServerSocketChannel server = listen(socketFor(environment()))) {
            serveOnce(server, (request, in, out) -> frame(out, Frames.STDERR, "#1 RUN make\n"));
            Run run = run(environment(), "build", ".");
            assertThat(run.status()).isEqualTo(1);
            assertThat(run.err()).startsWith("#1 RUN make\n").contains("error: the build daemon stopped during the build");
        }
    }

    @Test
    void aClientStoppedMidBuildClosesTheConnectionSoTheDaemonInterruptsTheBuild() throws Exception {
        try (ServerSocketChannel server = listen(socketFor(environment()))) {
            CompletableFuture<Integer> afterRequest = new CompletableFuture<>();
            CompletableFuture<Frames.Request> served = serveOnce(server, (request, in, out) -> {
                frame(out, Frames.STDERR, "#1 RUN sleep 1000\n");
                afterRequest.complete(in.read());   // BuildDaemon.interruptWhenGone reads the same way
            });
            Process process = start(environment(), "build", ".");
            assertThat(process.getErrorStream().readNBytes("#1 RUN sleep 1000\n".length())).isNotEmpty();
            process.destroy();   // SIGTERM; Ctrl-C's SIGINT ends it the same way (a test's SIGINT may be ignored)
            assertThat(afterRequest.get(30, TimeUnit.SECONDS)).as("end of stream").isEqualTo(-1);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            served.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClosedStdoutKeepsTheDaemonsFramesOffItsSocket() throws Exception {
        try (ServerSocketChannel server = listen(socketFor(environment()))) {
            CompletableFuture<Integer> sentBack = new CompletableFuture<>();
            serveOnce(server, (request, in, out) -> {
                frame(out, Frames.STDOUT, "sha256:0123\n");
                frame(out, Frames.STDERR, "done\n");
                exit(out, 0);
                sentBack.complete(in.readAllBytes().length);
            });
            Run run = finish(launch(List.of("/bin/sh", "-c", "exec \"$0\" build . >&-", client.toString()), environment()));
            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.err()).isEqualTo("done\n");
            assertThat(sentBack.get(30, TimeUnit.SECONDS)).as("bytes the client wrote after its request").isZero();
        }
    }

    @Test
    void nothingIsSentToADaemonOfAnotherUser() throws Exception {
        Path socket = socketFor(environment());
        try (AnotherUser other = AnotherUser.listen(dir, socket)) {
            Run run = run(environment(), "build", ".");
            assertThat(run.out()).as(run.err()).isEqualTo(javaCall("build", "."));
            assertThat(other.receivedAnything()).isFalse();
        }
    }

    @Test
    void theJarIsFoundBesideTheProgramThroughASymlinkOnThePath() throws Exception {
        Path installed = Files.createDirectories(dir.resolve("opt/stevedore"));
        Files.copy(client, installed.resolve("stevedore-build"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(jar, installed.resolve("build-service.jar"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("stevedore-build"), installed.resolve("stevedore-build"));
        Map<String, String> env = environment();
        env.remove("STEVEDORE_BUILD_JAR");
        env.put("PATH", bin + ":/usr/bin:/bin");
        Run run = finish(launch(List.of("/bin/sh", "-c", "exec stevedore-build worker"), env));
        assertThat(run.out()).as(run.err()).isEqualTo("java <-jar> <" + installed.resolve("build-service.jar") + "> <worker>\n");
    }

    @Test
    void aMissingJarIsAClearError() throws Exception {
        Map<String, String> env = environment();
        env.put("STEVEDORE_BUILD_JAR", dir.resolve("nowhere.jar").toString());
        for (String command : List.of("build", "worker")) {
            Run run = run(env, command, ".");
            assertThat(run.status()).isEqualTo(2);
            assertThat(run.err()).startsWith("error: build-service.jar not found (set STEVEDORE_BUILD_JAR): ");
        }
    }

    @Test
    void theRealDaemonAnswersThroughTheNativeClient() throws Exception {
        try (TestDaemon daemon = TestDaemon.listening(socketFor(environment()), dir.resolve("daemon.log"))) {
            Run help = run(environment(), "build", "--help");
            assertThat(help.status()).as(help.err()).isZero();
            assertThat(help.out()).startsWith(BuildCommand.USAGE.substring(0, 40)).doesNotContain("java <-jar>");

            Run usage = run(environment(), "build", "--frobnicate", ".");
            assertThat(usage.status()).isEqualTo(2);
            assertThat(usage.out()).isEmpty();
            assertThat(usage.err()).contains("unknown option --frobnicate");
            assertThat(daemon.log()).contains("build in " + cwd.toRealPath());
        }
    }
}
