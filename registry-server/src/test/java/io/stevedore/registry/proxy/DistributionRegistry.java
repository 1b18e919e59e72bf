package io.stevedore.registry.proxy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * CNCF Distribution (Debian's {@code docker-registry}) as a real upstream: its own process on a
 * free loopback port, filesystem storage in a directory of the test (or the storage section a
 * benchmark gives). Tests using it are skipped when the binary is not installed.
 */
public final class DistributionRegistry implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/docker-registry");

    private final Process process;
    private final URI url;

    private DistributionRegistry(Process process, URI url) {
        this.process = process;
        this.url = url;
    }

    public static void assumeInstalled() {
        assumeTrue(Files.isExecutable(BINARY), "CNCF Distribution is not installed at " + BINARY
                + " (apt-get install docker-registry); skipping");
    }

    static DistributionRegistry start(Path dir) throws IOException, InterruptedException {
        Path storage = Files.createDirectories(dir.resolve("storage"));
        return start(dir, """
                  filesystem:
                    rootdirectory: %s
                """.formatted(storage.toAbsolutePath()));
    }

    /** @param storageDriver the driver's lines of the {@code storage:} section, indented by two spaces */
    public static DistributionRegistry start(Path dir, String storageDriver) throws IOException, InterruptedException {
        assumeInstalled();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                %s  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(storageDriver, port));
        ProcessBuilder builder = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile());
        // its s3 driver (aws-sdk-go) panics on a CA bundle with a custom HTTP transport
        builder.environment().remove("AWS_CA_BUNDLE");
        Process process = builder.start();
        URI url = URI.create("http://127.0.0.1:" + port);
        DistributionRegistry registry = new DistributionRegistry(process, url);
        registry.awaitReady(dir);
        return registry;
    }

    private void awaitReady(Path dir) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (Instant.now().isBefore(deadline)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
                }
                try {
                    int status = http.send(HttpRequest.newBuilder(url.resolve("/v2/")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("docker-registry did not answer within 30 s: "
                + Files.readString(dir.resolve("registry.log")));
    }

    public URI url() {
        return url;
    }

    public long pid() {
        return process.pid();
    }

    /** host:port */
    String host() {
        return url.getHost() + ":" + url.getPort();
    }

    /** Stops the process and waits for it, so the port refuses connections afterwards. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
