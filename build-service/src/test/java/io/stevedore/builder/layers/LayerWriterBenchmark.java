package io.stevedore.builder.layers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Not a test: times {@link LayerWriter} on three trees (200 MiB random, 200 MiB log-like text,
 * 5,000 files of 2 KB). Run from build-service with the test classpath:
 * {@code java -cp target/classes:target/test-classes:$(cat cp) io.stevedore.builder.layers.LayerWriterBenchmark /tmp/bench 3}.
 * The trees are made once under the given directory and reused, so external tools can be timed on them too.
 */
public final class LayerWriterBenchmark {
    private static final int MIB = 1 << 20;

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "/tmp/layer-bench");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path random = randomTree(root.resolve("random"));
        Path text = textTree(root.resolve("text"));
        Path small = smallFilesTree(root.resolve("small"));
        var cpu = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (Path tree : new Path[] {random, text, small}) {
            for (int round = 0; round < rounds; round++) {
                Path output = root.resolve("out-" + tree.getFileName() + ".tgz");
                long cpuStart = cpu.getProcessCpuTime();
                long start = System.nanoTime();
                LayerBlob blob = LayerWriter.write(tree, output, LayerOptions.defaults());
                double seconds = (System.nanoTime() - start) / 1e9;
                double cpuSeconds = (cpu.getProcessCpuTime() - cpuStart) / 1e9;
                long tarBytes = tarSize(tree);
                System.out.printf("%-7s %6.3f s (cpu %6.3f s)  %7.1f MB/s (tar)  %6.1f MiB -> %6.1f MiB  %s%n",
                        tree.getFileName(), seconds, cpuSeconds, tarBytes / 1e6 / seconds, tarBytes / (double) MIB,
                        blob.size() / (double) MIB, blob.digest());
            }
        }
    }

    private static Path randomTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            return dir;
        }
        Files.createDirectories(dir);
        Random random = new Random(1);
        byte[] buffer = new byte[MIB];
        try (OutputStream out = Files.newOutputStream(dir.resolve("random.bin"))) {
            for (int i = 0; i < 200; i++) {
                random.nextBytes(buffer);
                out.write(buffer);
            }
        }
        return dir;
    }

    /** Log lines from a small vocabulary with counters and ids: compresses roughly like real logs. */
    private static Path textTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            return dir;
        }
        Files.createDirectories(dir);
        String[] levels = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
        String[] words = {"request", "handled", "user", "session", "cache", "miss", "hit", "upstream", "timeout",
                "GET", "POST", "/api/v1/items", "/healthz", "connection", "closed", "opened", "retrying", "ms"};
        Random random = new Random(2);
        StringBuilder line = new StringBuilder();
        long written = 0;
        try (OutputStream out = Files.newOutputStream(dir.resolve("app.log"))) {
            for (long n = 0; written < 200L * MIB; n++) {
                line.setLength(0);
                line.append("2024-05-").append(10 + n / 8_640_000 % 20).append('T')
                        .append(String.format("%02d:%02d:%02d.%03d", n / 360_000 % 24, n / 6000 % 60, n / 100 % 60, n % 1000))
                        .append("Z ").append(levels[random.nextInt(levels.length)]).append(" [worker-")
                        .append(random.nextInt(16)).append("] ");
                for (int w = 3 + random.nextInt(8); w > 0; w--) {
                    line.append(words[random.nextInt(words.length)]).append(' ');
                }
                line.append("id=").append(Long.toHexString(random.nextLong())).append(" took=")
                        .append(random.nextInt(5000)).append("ms\n");
                byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
                out.write(bytes);
                written += bytes.length;
            }
        }
        return dir;
    }

    /** 5,000 files of 2 KB, half text and half random, in 50 directories. */
    private static Path smallFilesTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            return dir;
        }
        Random random = new Random(3);
        byte[] bytes = new byte[2000];
        for (int i = 0; i < 5000; i++) {
            Path file = dir.resolve("d" + i % 50).resolve("f" + i);
            Files.createDirectories(file.getParent());
            if (i % 2 == 0) {
                random.nextBytes(bytes);
            } else {
                byte[] text = ("line " + i + " of some configuration value=" + random.nextInt() + "\n")
                        .repeat(60).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(text, 0, bytes, 0, bytes.length);
            }
            Files.write(file, bytes);
        }
        return dir;
    }

    /** Bytes of the tar stream (the diff_id input): headers, padded contents and the end marker. */
    private static long tarSize(Path tree) throws IOException {
        try (var walk = Files.walk(tree)) {
            return walk.filter(p -> !p.equals(tree))
                    .mapToLong(p -> {
                        try {
                            return 512 + (Files.isRegularFile(p) ? (Files.size(p) + 511) / 512 * 512 : 0);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).sum() + 1024;
        }
    }
}
