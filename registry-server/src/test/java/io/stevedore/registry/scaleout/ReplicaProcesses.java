package io.stevedore.registry.scaleout;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Real registry replicas: separate JVMs running the packaged jar, as an operator runs them behind
 * a load balancer, all on one PostgreSQL and one storage.
 */
public final class ReplicaProcesses implements AutoCloseable {

    /** One running replica. */
    public record Replica(URI url, Process process, Path log) {
    }

    private final List<Replica> replicas = new ArrayList<>();

    /**
     * Starts a replica with the given extra arguments ({@code --spring.datasource.url=...} and the
     * storage settings) and waits until its readiness probe is UP.
     */
    public Replica start(Path jar, Path workDir, List<String> args) throws Exception {
        return start(jar, workDir, args, java.util.Map.of());
    }

    /** As {@link #start(Path, Path, List)}, with settings also in the environment (as a container gets them). */
    public Replica start(Path jar, Path workDir, List<String> args, java.util.Map<String, String> environment)
            throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        return start(jar, workDir, args, environment, port);
    }

    /**
     * As {@link #start(Path, Path, List, java.util.Map)}, on {@code port}: a replica started again
     * where a stopped one listened, as a restarted registry comes back at its address. Its log
     * continues the stopped one's.
     */
    public Replica start(Path jar, Path workDir, List<String> args, java.util.Map<String, String> environment,
                         int port) throws Exception {
        Files.createDirectories(workDir);
        Path log = workDir.resolve("replica-" + port + ".log");
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-jar", jar.toString(),
                "--server.port=" + port, "--server.address=127.0.0.1"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        Replica replica = new Replica(URI.create("http://127.0.0.1:" + port), process, log);
        replicas.add(replica);
        awaitReady(replica);
        return replica;
    }

    private static void awaitReady(Replica replica) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!replica.process().isAlive()) {
                throw new IllegalStateException("replica exited: " + tail(replica.log()));
            }
            try {
                var response = http.send(HttpRequest.newBuilder(replica.url().resolve("/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(5)).build(), BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("replica not ready within 120 s: " + tail(replica.log()));
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    @Override
    public void close() throws InterruptedException {
        for (Replica replica : replicas) {
            replica.process().destroy();
        }
        for (Replica replica : replicas) {
            if (!replica.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                replica.process().destroyForcibly();
            }
        }
    }
}
