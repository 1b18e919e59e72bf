import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * Remote builds benchmark (JDK only; run with `java docs/bench/RemoteBuildBench.java --help`).
 *
 * 1. N small builds submitted at once over the builds API to whatever workers serve the registry:
 *    throughput, submit-to-start and end-to-end p50/p99 (from the registry's own timestamps).
 * 2. The same kind of builds through the standalone CLI, one after another.
 * 3. A warm (fully cached) build through the local CLI and through `build --remote`, alternated:
 *    the remote path's overhead.
 * It pushes its own base image (a layer holding this machine's /bin/busybox) first.
 */
public class RemoteBuildBench {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static URI registry;
    static String host;
    static String authorization;
    static String user;
    static String password;
    static String java;
    static Path jar;
    static Path work;

    public static void main(String[] args) throws Exception {
        int builds = 40;
        int warmRounds = 7;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--registry" -> registry = URI.create(args[++i]);
                case "--user" -> user = args[++i];
                case "--password" -> password = args[++i];
                case "--jar" -> jar = Path.of(args[++i]).toAbsolutePath();
                case "--builds" -> builds = Integer.parseInt(args[++i]);
                case "--warm-rounds" -> warmRounds = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: RemoteBuildBench --registry URL --user U --password P --jar build-service.jar"
                            + " [--builds 40] [--warm-rounds 7]");
                    System.exit(2);
                }
            }
        }
        host = registry.getHost() + ":" + registry.getPort();
        authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        java = ProcessHandle.current().info().command().orElse("java");
        work = Files.createTempDirectory("remote-build-bench");
        Path dockerConfig = Files.createDirectories(work.resolve("docker-config"));
        Files.writeString(dockerConfig.resolve("config.json"), "{\"auths\":{\"" + host + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        String base = pushBase();
        String run = UUID.randomUUID().toString().substring(0, 6);

        // 1. N at once, remote
        List<Long> ids = new ArrayList<>();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.min(builds, 16))) {
            List<Future<Long>> submitted = new ArrayList<>();
            for (int i = 0; i < builds; i++) {
                String dockerfile = "FROM " + base + "\nRUN echo remote-" + run + "-" + i + " > /id\n";
                String tag = user + "/bench-remote-" + run + "-" + i + ":1";
                submitted.add(pool.submit(() -> submit(dockerfile, tag)));
            }
            for (Future<Long> id : submitted) {
                ids.add(id.get());
            }
        }
        double submitSeconds = (System.nanoTime() - t0) / 1e9;
        List<Map<String, String>> statuses = new ArrayList<>();
        for (long id : ids) {
            statuses.add(await(id));
        }
        double makespan = (System.nanoTime() - t0) / 1e9;
        List<Double> toStart = new ArrayList<>();
        List<Double> endToEnd = new ArrayList<>();
        int failed = 0;
        for (Map<String, String> status : statuses) {
            Instant created = Instant.parse(status.get("createdAt"));
            toStart.add(Duration.between(created, Instant.parse(status.get("startedAt"))).toMillis() / 1000.0);
            endToEnd.add(Duration.between(created, Instant.parse(status.get("finishedAt"))).toMillis() / 1000.0);
            failed += status.get("status").equals("succeeded") ? 0 : 1;
        }
        System.out.printf("remote-at-once builds=%d failed=%d submit_s=%.2f makespan_s=%.2f builds_per_min=%.1f "
                        + "start_p50_s=%.2f start_p99_s=%.2f e2e_p50_s=%.2f e2e_p99_s=%.2f%n", builds, failed, submitSeconds,
                makespan, builds / makespan * 60, pct(toStart, 50), pct(toStart, 99), pct(endToEnd, 50), pct(endToEnd, 99));

        // 2. the same builds, local CLI, one by one
        List<Double> local = new ArrayList<>();
        long t1 = System.nanoTime();
        for (int i = 0; i < builds; i++) {
            Path context = context("local-" + i, "FROM " + base + "\nRUN echo local-" + run + "-" + i + " > /id\n");
            local.add(time(dockerConfig, List.of("build", "-t", host + "/" + user + "/bench-local-" + run + "-" + i + ":1",
                    "--progress", "quiet", context.toString())));
        }
        double localTotal = (System.nanoTime() - t1) / 1e9;
        System.out.printf("local-one-by-one builds=%d total_s=%.2f builds_per_min=%.1f p50_s=%.2f p99_s=%.2f%n", builds,
                localTotal, builds / localTotal * 60, pct(local, 50), pct(local, 99));

        // 3. warm build: local CLI vs remote CLI, alternated
        Path warm = context("warm", "FROM " + base + "\nRUN echo warm-" + run + " > /id\nCOPY Dockerfile /\n");
        List<String> localWarm = List.of("build", "-t", host + "/" + user + "/bench-warm-" + run + ":1", "--progress", "quiet",
                warm.toString());
        List<String> remoteWarm = List.of("build", "--remote", registry.toString(), "-t", user + "/bench-warm-" + run + ":1",
                "--progress", "quiet", warm.toString());
        time(dockerConfig, localWarm);
        time(dockerConfig, remoteWarm);
        List<Double> localTimes = new ArrayList<>();
        List<Double> remoteTimes = new ArrayList<>();
        for (int i = 0; i < warmRounds; i++) {
            localTimes.add(time(dockerConfig, localWarm));
            remoteTimes.add(time(dockerConfig, remoteWarm));
        }
        System.out.printf("warm local_p50_s=%.3f remote_p50_s=%.3f overhead_ms=%.0f (rounds=%d, local %s, remote %s)%n",
                pct(localTimes, 50), pct(remoteTimes, 50), (pct(remoteTimes, 50) - pct(localTimes, 50)) * 1000, warmRounds,
                localTimes, remoteTimes);
    }

    static long submit(String dockerfile, String tag) throws Exception {
        byte[] tar = tar("Dockerfile", dockerfile.getBytes(StandardCharsets.UTF_8), 0644);
        HttpResponse<String> uploaded = HTTP.send(HttpRequest.newBuilder(registry.resolve("/api/v1/builds/contexts"))
                .header("Authorization", authorization).header("Content-Type", "application/x-tar")
                .POST(HttpRequest.BodyPublishers.ofByteArray(tar)).build(), HttpResponse.BodyHandlers.ofString());
        String context = field(uploaded.body(), "context");
        String body = "{\"tags\":[\"" + tag + "\"],\"context\":\"" + context + "\"}";
        HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(registry.resolve("/api/v1/builds"))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (submitted.statusCode() != 202) {
            throw new IllegalStateException("submit: " + submitted.statusCode() + " " + submitted.body());
        }
        return Long.parseLong(field(submitted.body(), "id"));
    }

    static Map<String, String> await(long id) throws Exception {
        while (true) {
            String body = HTTP.send(HttpRequest.newBuilder(registry.resolve("/api/v1/builds/" + id))
                    .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString()).body();
            String status = field(body, "status");
            if (status.matches("succeeded|failed|cancelled")) {
                return Map.of("status", status, "createdAt", field(body, "createdAt"), "startedAt", field(body, "startedAt"),
                        "finishedAt", field(body, "finishedAt"));
            }
            Thread.sleep(100);
        }
    }

    static double time(Path dockerConfig, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(java, "-jar", jar.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("DOCKER_CONFIG", dockerConfig.toString());
        long t0 = System.nanoTime();
        int exit = builder.start().waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + exit);
        }
        return Math.round(seconds * 1000) / 1000.0;
    }

    static Path context(String name, String dockerfile) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        Files.writeString(dir.resolve("Dockerfile"), dockerfile);
        return dir;
    }

    static double pct(List<Double> values, int p) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\"([^\"]*)\"|([0-9]+))").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(2) != null ? m.group(2) : m.group(3);
    }

    /** A base image: one layer with /bin/busybox and /bin/sh, pushed with HTTP Basic. */
    static String pushBase() throws Exception {
        byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
        ByteArrayOutputStream layerTar = new ByteArrayOutputStream();
        layerTar.write(header("bin/", 0, 0755, '5', ""));
        layerTar.write(header("bin/busybox", busybox.length, 0755, '0', ""));
        layerTar.write(busybox);
        layerTar.write(new byte[(512 - busybox.length % 512) % 512]);
        layerTar.write(header("bin/sh", 0, 0777, '2', "busybox"));
        layerTar.write(header("bin/echo", 0, 0777, '2', "busybox"));
        layerTar.write(new byte[1024]);
        byte[] diff = layerTar.toByteArray();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(diff);
        }
        byte[] layer = gz.toByteArray();
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\"" + sha256(diff) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String repository = user + "/bench-base";
        pushBlob(repository, layer);
        pushBlob(repository, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + sha256(config)
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\"" + sha256(layer) + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(registry.resolve("/v2/" + repository + "/manifests/1"))
                .header("Authorization", authorization).header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(), HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 201) {
            throw new IllegalStateException("base manifest: " + put.statusCode() + " " + put.body());
        }
        return host + "/" + repository + ":1";
    }

    static void pushBlob(String repository, byte[] blob) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        registry.resolve("/v2/" + repository + "/blobs/uploads/?digest=" + sha256(blob)))
                .header("Authorization", authorization).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("blob: " + response.statusCode() + " " + response.body());
        }
    }

    static byte[] tar(String name, byte[] content, int mode) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header(name, content.length, mode, '0', ""));
        out.write(content);
        out.write(new byte[(512 - content.length % 512) % 512]);
        out.write(new byte[1024]);
        return out.toByteArray();
    }

    /** A ustar header. */
    static byte[] header(String name, long size, int mode, char type, String link) {
        byte[] h = new byte[512];
        put(h, 0, name, 100);
        put(h, 100, String.format("%07o", mode), 8);
        put(h, 108, "0000000", 8);
        put(h, 116, "0000000", 8);
        put(h, 124, String.format("%011o", size), 12);
        put(h, 136, String.format("%011o", 0), 12);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        h[156] = (byte) type;
        put(h, 157, link, 100);
        put(h, 257, "ustar", 6);
        put(h, 263, "00", 2);
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum), 7);
        return h;
    }

    static void put(byte[] h, int offset, String text, int length) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, h, offset, Math.min(bytes.length, length));
    }

    static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
