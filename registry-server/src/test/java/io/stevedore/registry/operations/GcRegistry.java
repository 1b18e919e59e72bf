package io.stevedore.registry.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.registry.StevedoreApplication;
import io.stevedore.registry.TestStorage;
import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.gc.GarbageCollector;
import io.stevedore.registry.gc.GcRun;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.s3.S3ProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The server the garbage collection tests share: authentication on (the GC API is a site admin's),
 * fs or S3 as {@code -Dstevedore.test.storage} says, the schedule off so that only the tests
 * collect, and plain HTTP helpers to push and pull images as the admin.
 */
final class GcRegistry {
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";
    private static final String ADMIN_PASSWORD = "gc-admin-" + UUID.randomUUID();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
    private static GcRegistry instance;

    private final ConfigurableApplicationContext context;
    private final URI url;

    private GcRegistry(ConfigurableApplicationContext context) {
        this.context = context;
        this.url = URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
    }

    static synchronized GcRegistry get() throws Exception {
        if (instance == null) {
            List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                    "--registry.data-dir=" + Path.of("target", "test-registry", "gc-" + ProcessHandle.current().pid())
                            .toAbsolutePath(),
                    "--registry.auth.enabled=true", "--registry.auth.admin-password=" + ADMIN_PASSWORD,
                    "--registry.gc.interval=0",
                    // every collection walks the store (one test sets its own); the benchmark sets its own
                    "--registry.gc.walk-interval=" + System.getProperty("stevedore.gc.walk-interval", "0"),
                    "--registry.gc.batch-size=" + Integer.getInteger("stevedore.gc.batch-size", 50),
                    // tests race collections against pushes at full speed; the benchmark sets its own
                    "--registry.gc.duty-cycle=" + System.getProperty("stevedore.gc.duty-cycle", "1")));
            args.addAll(TestStorage.s3() ? TestStorage.s3Arguments(S3ProxyServer.start())
                    : List.of("--registry.storage.type=fs"));
            instance = new GcRegistry(new SpringApplicationBuilder(StevedoreApplication.class)
                    .run(args.toArray(String[]::new)));
        }
        return instance;
    }

    record Response(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    URI url() {
        return url;
    }

    String adminPassword() {
        return ADMIN_PASSWORD;
    }

    String admin() {
        return basic("admin", ADMIN_PASSWORD);
    }

    GarbageCollector collector() {
        return context.getBean(GarbageCollector.class);
    }

    /** Collects now with this grace, waiting (up to 5 minutes) for a run that is going on to end. */
    GcRun collect(Duration grace) {
        return collect(grace, context.getBean(RegistryProperties.class).gc().walkInterval());
    }

    /** As {@link #collect(Duration)}, walking the store if no run did within {@code walkInterval}. */
    GcRun collect(Duration grace, Duration walkInterval) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            var run = collector().collect("api", "test", grace, walkInterval);
            if (run.isPresent()) {
                return run.get();
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        throw new IllegalStateException("another garbage collection ran for 5 minutes");
    }

    MeterRegistry meters() {
        return context.getBean(MeterRegistry.class);
    }

    JdbcClient jdbc() {
        return context.getBean(JdbcClient.class);
    }

    BlobStore store() {
        return context.getBean(BlobStore.class);
    }

    Response send(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve(path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        boolean authorized = false;
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            authorized |= headers[i].equalsIgnoreCase("Authorization");
        }
        if (!authorized) {
            request.header("Authorization", admin());
        }
        try {
            HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Monolithic upload; the status (201). */
    int uploadBlob(String repository, byte[] content) {
        return send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + Digest.sha256(content), content,
                "Content-Type", "application/octet-stream").status();
    }

    /** Cross-repository mount: true if mounted (201), false if the registry wants an upload (202). */
    boolean mount(String repository, Digest digest, String from) {
        return send("POST", "/v2/" + repository + "/blobs/uploads/?mount=" + digest + "&from=" + from, null)
                .status() == 201;
    }

    Response putManifest(String repository, String reference, byte[] manifest, String mediaType) {
        return send("PUT", "/v2/" + repository + "/manifests/" + reference, manifest, "Content-Type", mediaType);
    }

    /** An image manifest naming this config and these layers. */
    static byte[] imageManifest(byte[] config, List<byte[]> layers) {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MANIFEST);
        manifest.put("config", descriptor("application/vnd.oci.image.config.v1+json", config));
        manifest.put("layers", layers.stream().map(l -> descriptor("application/vnd.oci.image.layer.v1.tar", l))
                .toList());
        return Json.MAPPER.writeValueAsBytes(manifest);
    }

    static byte[] index(List<byte[]> manifests) {
        return Json.MAPPER.writeValueAsBytes(Map.of("schemaVersion", 2, "mediaType", INDEX,
                "manifests", manifests.stream().map(m -> descriptor(MANIFEST, m)).toList()));
    }

    private static Map<String, Object> descriptor(String mediaType, byte[] content) {
        return Map.of("mediaType", mediaType, "digest", Digest.sha256(content).toString(), "size", content.length);
    }

    static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    /** Whether the repository serves the blob with exactly these bytes. */
    boolean serves(String repository, byte[] content) {
        Response blob = send("GET", "/v2/" + repository + "/blobs/" + Digest.sha256(content), null);
        return blob.status() == 200 && Digest.sha256(blob.body()).equals(Digest.sha256(content));
    }

    boolean blobRow(Digest digest) {
        return jdbc().sql("select exists (select 1 from blobs where digest = ?)").param(digest.toString())
                .query(Boolean.class).single();
    }

    boolean inStore(Digest digest) throws IOException {
        return store().stat(digest).isPresent();
    }

    /** Every digest the store holds. */
    Set<String> walk() throws IOException {
        Set<String> digests = new HashSet<>();
        store().walk(d -> {
            synchronized (digests) {
                digests.add(d.toString());
            }
        });
        return digests;
    }
}
