// Soak: a bounded mixed workload against a Stevedore registry with authentication off.
// Run: java Soak.java URL SECONDS CLIENTS   (JDK 21+). Prints one line per minute and a summary;
// exit code 0 when no request failed. Every loop is bounded by SECONDS; it stops by itself.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

public final class Soak {
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final Map<String, AtomicLong> OPS = new ConcurrentHashMap<>();
    static final AtomicLong ERRORS = new AtomicLong();
    static final Queue<String[]> PUSHED = new ConcurrentLinkedQueue<>(); // repo, tag, manifest digest, layer digest
    static URI base;

    public static void main(String[] args) throws Exception {
        base = URI.create(args[0]);
        long seconds = Long.parseLong(args[1]);
        int clients = Integer.parseInt(args[2]);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        Thread[] workers = new Thread[clients];
        for (int i = 0; i < clients; i++) {
            int worker = i;
            workers[i] = Thread.ofVirtual().start(() -> {
                long n = 0;
                while (System.nanoTime() < deadline) {
                    try {
                        step(worker, n++);
                    } catch (Exception e) {
                        fail("exception " + e);
                    }
                }
            });
        }
        long start = System.nanoTime();
        long minute = 0;
        while (System.nanoTime() < deadline) {
            Thread.sleep(Math.min(60_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            System.out.printf("soak t=%ds ops=%s errors=%d%n", (System.nanoTime() - start) / 1_000_000_000L,
                    new java.util.TreeMap<>(OPS), ERRORS.get());
            minute++;
        }
        for (Thread t : workers) {
            t.join(Duration.ofSeconds(150));
        }
        long total = OPS.values().stream().mapToLong(AtomicLong::get).sum();
        System.out.printf("soak summary seconds=%d clients=%d ops=%d ops_per_s=%.0f errors=%d %s%n", seconds, clients,
                total, total / (double) seconds, ERRORS.get(), new java.util.TreeMap<>(OPS));
        System.exit(ERRORS.get() == 0 ? 0 : 1);
    }

    static void fail(String what) {
        if (ERRORS.incrementAndGet() <= 20) {
            System.err.println("soak error: " + what);
        }
    }

    static void count(String op) {
        OPS.computeIfAbsent(op, k -> new AtomicLong()).incrementAndGet();
    }

    /** Weights: 30% pushes, 45% pulls, 10% deletes, 15% tag listings. */
    static void step(int worker, long n) throws Exception {
        int dice = ThreadLocalRandom.current().nextInt(100);
        String repo = "soak/r" + (worker % 8);
        if (dice < 30 || PUSHED.size() < 16) {
            push(repo, worker + "-" + n);
        } else if (dice < 75) {
            pull();
        } else if (dice < 85) {
            delete();
        } else {
            expect(send("GET", "/v2/" + repo + "/tags/list?n=100", null), 200, "tags-list");
        }
    }

    static void push(String repo, String tag) throws Exception {
        byte[] layer = new byte[32 * 1024];
        ThreadLocalRandom.current().nextBytes(layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"tag\":\"" + tag + "\"}").getBytes();
        if (!expect(send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + sha256(config), config), 201, "push-blob")) {
            return;
        }
        // the layer chunked: POST, two PATCHes, PUT
        HttpResponse<byte[]> started = send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        if (!expect(started, 202, "push-chunk")) {
            return;
        }
        String location = started.headers().firstValue("Location").orElseThrow();
        int half = layer.length / 2;
        for (int[] range : new int[][] {{0, half}, {half, layer.length}}) {
            HttpResponse<byte[]> chunk = send("PATCH", location, java.util.Arrays.copyOfRange(layer, range[0], range[1]),
                    "Content-Type", "application/octet-stream", "Content-Range", range[0] + "-" + (range[1] - 1));
            if (!expect(chunk, 202, "push-chunk")) {
                return;
            }
            location = chunk.headers().firstValue("Location").orElseThrow();
        }
        String layerDigest = sha256(layer);
        if (!expect(send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + layerDigest, null),
                201, "push-blob")) {
            return;
        }
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + sha256(config) + "\",\"size\":"
                + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes();
        if (expect(send("PUT", "/v2/" + repo + "/manifests/" + tag, manifest, "Content-Type", MANIFEST), 201,
                "push-manifest")) {
            PUSHED.add(new String[] {repo, tag, sha256(manifest), layerDigest});
        }
    }

    static void pull() throws Exception {
        String[] image = PUSHED.peek();
        if (image == null) {
            return;
        }
        expect(send("GET", "/v2/" + image[0] + "/manifests/" + image[2], null, "Accept", MANIFEST), 200, "pull-manifest");
        expect(send("GET", "/v2/" + image[0] + "/blobs/" + image[3], null), 200, "pull-blob");
    }

    /** Deletes the oldest image; pulls only read images still at the head of the queue, so may race: 404 is fine there. */
    static void delete() throws Exception {
        if (PUSHED.size() < 32) {
            return;
        }
        String[] image = PUSHED.poll();
        if (image != null) {
            expect(send("DELETE", "/v2/" + image[0] + "/manifests/" + image[2], null), 202, "delete");
        }
    }

    static boolean expect(HttpResponse<byte[]> response, int status, String op) {
        count(op);
        if (response.statusCode() == status || (response.statusCode() == 404 && op.startsWith("pull"))) {
            return true;
        }
        fail(op + " " + response.request().method() + " " + response.request().uri() + " -> " + response.statusCode()
                + " " + new String(response.body()));
        return false;
    }

    static HttpResponse<byte[]> send(String method, String pathOrUrl, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(pathOrUrl)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), BodyHandlers.ofByteArray());
    }

    static String sha256(byte[] data) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
