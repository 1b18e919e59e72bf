package io.stevedore.registry.storage;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.TestStorage;
import io.stevedore.registry.proxy.DistributionRegistry;
import io.stevedore.registry.scaleout.ReplicaProcesses;
import io.stevedore.registry.scaleout.ReplicaProcesses.Replica;
import io.stevedore.storage.s3.S3ProxyServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Stevedore against CNCF Distribution, both on S3 and on the same S3Proxy (docs/bench/s3.sh; not
 * a test: it runs only with {@code -Dstevedore.bench=true}). S3Proxy (in-memory) runs in this
 * JVM, each registry in a process of its own with a bucket of its own: Stevedore from the packaged
 * jar ({@code -Xmx256m}, authentication on, as in the other tables of docs/benchmarks.md),
 * Distribution 2.8 ({@code docker-registry}, s3 driver, no auth, redirects off so that both serve
 * the bytes themselves, as Stevedore does by default; through {@link ListPartsPatch}, without
 * which it panics on S3Proxy's ListParts answers). Runs ../shared/bench/RegistryBench.java's
 * push-chunked and blob-get against each, warm-up first, then A-B-B-A. Output in
 * target/s3-bench.txt.
 */
class S3Benchmark {
    private static final String SCENARIOS = System.getProperty("stevedore.bench.scenarios", "push-chunked,blob-get");
    private static final String SIZE = System.getProperty("stevedore.bench.size", "64m");
    private final List<String> report = new ArrayList<>();

    @Test
    void stevedoreAndDistributionOnOneS3Proxy() throws Exception {
        assumeTrue(Boolean.getBoolean("stevedore.bench") && !TestStorage.s3()
                && !Boolean.getBoolean("stevedore.test.auth"), "a benchmark: -Dstevedore.bench=true");
        DistributionRegistry.assumeInstalled();
        Path jar = Path.of("target", "registry-server.jar").toAbsolutePath();
        assumeTrue(Files.exists(jar), "package the server first: ./mvnw -o -q -pl registry-server -am package -DskipTests");
        Path work = Files.createDirectories(Path.of("target", "s3-bench-" + ProcessHandle.current().pid()))
                .toAbsolutePath();
        String bench = Path.of("..", "..", "shared", "bench", "RegistryBench.java").toAbsolutePath().normalize()
                .toString();
        String adminPassword = "bench-" + UUID.randomUUID();
        try (S3ProxyServer s3 = S3ProxyServer.start();
             ListPartsPatch patched = new ListPartsPatch(s3.endpoint());
             ReplicaProcesses processes = new ReplicaProcesses();
             DistributionRegistry distribution = DistributionRegistry.start(
                     Files.createDirectories(work.resolve("distribution")), """
                       s3:
                         regionendpoint: %s
                         bucket: %s
                         accesskey: %s
                         secretkey: %s
                         region: %s
                         secure: false
                         v4auth: true
                       redirect:
                         disable: true
                     """.formatted(patched.endpoint(), s3.createBucket(), S3ProxyServer.ACCESS_KEY,
                             S3ProxyServer.SECRET_KEY, S3ProxyServer.REGION))) {
            List<String> stevedoreArgs = new ArrayList<>(List.of("--registry.data-dir=" + work.resolve("stevedore"),
                    "--registry.auth.enabled=true", "--registry.auth.admin-password=" + adminPassword));
            stevedoreArgs.addAll(TestStorage.s3Arguments(s3).stream()
                    .filter(a -> !a.startsWith("--registry.storage.s3.part-size")).toList()); // the default part size
            Replica stevedore = processes.start(jar, work.resolve("stevedore-run"), stevedoreArgs);
            note("S3Proxy %s (in-memory, in the benchmark's JVM); scenarios %s; blob size %s; cpus %d",
                    s3.endpoint(), SCENARIOS, SIZE, Runtime.getRuntime().availableProcessors());

            Side dist = new Side("distribution", distribution.url(), distribution.pid(), List.of());
            Side ours = new Side("stevedore", stevedore.url(), stevedore.process().pid(),
                    List.of("--user", "admin", "--password", adminPassword));
            run(bench, dist, "warm-up");
            run(bench, ours, "warm-up");
            run(bench, dist, "r1");
            run(bench, ours, "r1");
            run(bench, ours, "r2");
            run(bench, dist, "r2");
        } finally {
            Files.write(Path.of("target", "s3-bench.txt"), report);
        }
    }

    private record Side(String name, URI url, long pid, List<String> credentials) {
    }

    private void run(String bench, Side side, String round) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), bench, "--url", side.url().toString(), "--scenarios", SCENARIOS,
                "--duration", "8", "--chunked-size", SIZE, "--chunked-count", "2", "--large-blob-size", SIZE,
                "--server-pid", Long.toString(side.pid())));
        command.addAll(side.credentials());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        note("--- %s %s (%s)%n%s", side.name(), round, uptime(), output.strip());
    }

    private static String uptime() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).strip();
    }

    private void note(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println(line);
        report.add(line);
    }
}
