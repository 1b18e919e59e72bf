package io.stevedore.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The real build daemon (`Main daemon SOCKET`) in a JVM of its own, from the test class path. */
final class TestDaemon implements AutoCloseable {
    final Process process;
    final Path log;

    private TestDaemon(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static TestDaemon start(Path socket, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "daemon", socket.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new TestDaemon(process, log);
    }

    /** Starts the daemon and waits until it says it listens (its socket's mode is set by then). */
    static TestDaemon listening(Path socket, Path log) throws Exception {
        TestDaemon daemon = start(socket, log);
        for (int i = 0; i < 300 && !daemon.log().contains("build daemon listening on") && daemon.process.isAlive(); i++) {
            Thread.sleep(100);
        }
        assertThat(daemon.log()).as("the daemon listens").contains("build daemon listening on " + socket);
        return daemon;
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
