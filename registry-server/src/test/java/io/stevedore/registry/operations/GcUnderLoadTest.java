package io.stevedore.registry.operations;

import static io.stevedore.registry.operations.GcRegistry.imageManifest;
import static io.stevedore.registry.operations.GcRegistry.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.json.Json;
import io.stevedore.oci.Digest;
import io.stevedore.registry.operations.GcRegistry.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Garbage collection looping with a 2 s grace while clients push images (shared layers, indexes
 * whose children go first, cross-repository mounts, tag overwrites, manifest and tag deletes) and
 * pull what they still reach: no pull of a reachable image may fail, and once the clients stop
 * and a final collection ran, the store and the blobs table hold exactly the referenced blobs.
 */
class GcUnderLoadTest {
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final Duration LOAD = Duration.ofSeconds(20);
    private static final int CLIENTS = 4;
    private static final int PUSH_ATTEMPTS = 5;
    private static final List<byte[]> SHARED_LAYERS = new ArrayList<>();

    static {
        for (int i = 0; i < 8; i++) {
            SHARED_LAYERS.add(randomBytes(1024 * (1 + i * 3)));
        }
    }

    /** A manifest a client pushed and has not deleted; children of an index are never deleted alone. */
    record Live(String repository, Digest digest, boolean deletable) {
    }

    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pushes = new AtomicInteger();
    private final AtomicInteger pushesRefused = new AtomicInteger();
    private final AtomicInteger pulls = new AtomicInteger();
    private final AtomicInteger collections = new AtomicInteger();
    private GcRegistry registry;

    @Test
    void pullsOfReachableImagesNeverFailWhileCollectionLoopsAndOnlyReferencedBlobsRemain() throws Exception {
        registry = GcRegistry.get();
        long deadline = System.nanoTime() + LOAD.toNanos();
        List<List<Live>> lives = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(CLIENTS + 1)) {
            List<Future<?>> running = new ArrayList<>();
            running.add(threads.submit(() -> {
                while (System.nanoTime() < deadline) {
                    registry.collect(GRACE);
                    collections.incrementAndGet();
                }
            }));
            for (int c = 0; c < CLIENTS; c++) {
                List<Live> live = Collections.synchronizedList(new ArrayList<>());
                lives.add(live);
                int client = c;
                running.add(threads.submit(() -> client(client, live, deadline)));
            }
            for (Future<?> future : running) {
                future.get();
            }
        }
        List<Live> reachable = lives.stream().flatMap(List::stream).toList();
        for (Live image : reachable) {
            verify(image, "after the load");
        }

        registry.collect(Duration.ZERO); // no client left: everything unreferenced goes,
        registry.collect(Duration.ZERO); // and files without rows, seen twice now
        for (Live image : reachable) {
            verify(image, "after the final collection");
        }
        System.out.printf("under load: %d pushes (%d refused with MANIFEST_BLOB_UNKNOWN after %d attempts), "
                        + "%d pulls, %d collections, %d reachable images%n",
                pushes.get(), pushesRefused.get(), PUSH_ATTEMPTS, pulls.get(), collections.get(), reachable.size());
        assertThat(failures).isEmpty();
        assertThat(pushes.get()).isPositive();
        assertThat(registry.jdbc().sql("""
                select count(*) from blobs b where not exists (select 1 from manifest_references mr
                where mr.digest = b.digest and mr.kind in ('config', 'layer'))""").query(Long.class).single())
                .as("unreferenced blobs left").isZero();
        Set<String> rows = new HashSet<>(registry.jdbc().sql("select digest from blobs").query(String.class).list());
        assertThat(registry.walk()).as("the store holds exactly the blobs rows").isEqualTo(rows);
    }

    private void client(int client, List<Live> live, long deadline) {
        Random random = new Random(client);
        String[] repositories = {"load/c" + client + "/a", "load/c" + client + "/b"};
        while (System.nanoTime() < deadline) {
            String repository = repositories[random.nextInt(2)];
            String other = repository.equals(repositories[0]) ? repositories[1] : repositories[0];
            String tag = "t" + random.nextInt(3); // few tags: pushes overwrite them
            int op = random.nextInt(100);
            try {
                if (op < 35) {
                    pushImage(random, repository, other, tag).ifPresent(d -> live.add(new Live(repository, d, true)));
                } else if (op < 45) {
                    pushIndex(random, repository, other, tag, live);
                } else if (op < 55 && !live.isEmpty()) {
                    deleteOne(random, live);
                } else if (op < 60) {
                    int status = registry.send("DELETE", "/v2/" + repository + "/manifests/" + tag, null).status();
                    expect(status == 202 || status == 404, "tag delete answered " + status);
                } else if (!live.isEmpty()) {
                    Live image = live.get(random.nextInt(live.size()));
                    verify(image, "pull");
                    pulls.incrementAndGet();
                }
            } catch (RuntimeException e) {
                failures.add("client " + client + ": " + e);
            }
        }
    }

    /** Pushes a fresh image (shared layers, maybe a layer of its own); its digest, unless refused. */
    private Optional<Digest> pushImage(Random random, String repository, String mountFrom, String tag) {
        List<byte[]> layers = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            layers.add(SHARED_LAYERS.get(random.nextInt(SHARED_LAYERS.size())));
        }
        if (random.nextBoolean()) {
            layers.add(randomBytes(2048));
        }
        byte[] config = Json.MAPPER.writeValueAsBytes(Map.of("nonce", random.nextLong()));
        return push(random, repository, mountFrom, tag, config, layers);
    }

    private Optional<Digest> push(Random random, String repository, String mountFrom, String reference,
                                            byte[] config, List<byte[]> layers) {
        byte[] manifest = imageManifest(config, layers);
        List<byte[]> blobs = new ArrayList<>(layers);
        blobs.add(config);
        for (int attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
            for (byte[] blob : blobs) {
                sendBlob(random, repository, mountFrom, blob, attempt > 1);
            }
            Response put = registry.putManifest(repository, reference, manifest, GcRegistry.MANIFEST);
            if (put.status() == 201) {
                pushes.incrementAndGet();
                return Optional.of(Digest.sha256(manifest));
            }
            expect(put.status() == 400 && put.text().contains("MANIFEST_BLOB_UNKNOWN"),
                    "manifest push answered " + put.status() + " " + put.text());
        }
        pushesRefused.incrementAndGet();
        return Optional.empty();
    }

    /** Like a client: skip what the repository has (HEAD), else mount it from the other repository, else upload. */
    private void sendBlob(Random random, String repository, String mountFrom, byte[] blob, boolean retry) {
        Digest digest = Digest.sha256(blob);
        if (!retry && registry.send("HEAD", "/v2/" + repository + "/blobs/" + digest, null).status() == 200) {
            return;
        }
        if (random.nextInt(3) == 0 && registry.mount(repository, digest, mountFrom)) {
            return;
        }
        int status = registry.uploadBlob(repository, blob);
        expect(status == 201, "blob upload answered " + status);
    }

    /** Two child images pushed by digest first, then the index naming them, tagged. */
    private void pushIndex(Random random, String repository, String mountFrom, String tag, List<Live> live) {
        List<byte[]> children = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            byte[] config = Json.MAPPER.writeValueAsBytes(Map.of("child", random.nextLong()));
            List<byte[]> layers = List.of(SHARED_LAYERS.get(random.nextInt(SHARED_LAYERS.size())));
            byte[] manifest = imageManifest(config, layers);
            if (push(random, repository, mountFrom, Digest.sha256(manifest).toString(), config, layers).isEmpty()) {
                return;
            }
            live.add(new Live(repository, Digest.sha256(manifest), false));
            children.add(manifest);
        }
        byte[] index = GcRegistry.index(children);
        Response put = registry.putManifest(repository, tag, index, GcRegistry.INDEX);
        expect(put.status() == 201, "index push answered " + put.status() + " " + put.text());
        live.add(new Live(repository, Digest.sha256(index), true));
    }

    private void deleteOne(Random random, List<Live> live) {
        List<Live> deletable = live.stream().filter(Live::deletable).toList();
        if (deletable.isEmpty()) {
            return;
        }
        Live image = deletable.get(random.nextInt(deletable.size()));
        live.remove(image);
        int status = registry.send("DELETE", "/v2/" + image.repository() + "/manifests/" + image.digest(), null)
                .status();
        expect(status == 202, "manifest delete answered " + status);
    }

    /** Pulls the manifest and everything it names, checking every digest. */
    private void verify(Live image, String when) {
        Response manifest = registry.send("GET", "/v2/" + image.repository() + "/manifests/" + image.digest(), null,
                "Accept", GcRegistry.MANIFEST + ", " + GcRegistry.INDEX);
        if (manifest.status() != 200 || !Digest.sha256(manifest.body()).equals(image.digest())) {
            failures.add(when + ": manifest " + image + " answered " + manifest.status());
            return;
        }
        JsonNode parsed = Json.MAPPER.readTree(manifest.body());
        List<String> blobs = new ArrayList<>();
        if (parsed.has("config")) {
            blobs.add(parsed.get("config").get("digest").asString());
        }
        parsed.path("layers").forEach(layer -> blobs.add(layer.get("digest").asString()));
        for (String digest : blobs) {
            Response blob = registry.send("GET", "/v2/" + image.repository() + "/blobs/" + digest, null);
            if (blob.status() != 200 || !Digest.sha256(blob.body()).toString().equals(digest)) {
                failures.add(when + ": blob " + digest + " of " + image + " answered " + blob.status());
            }
        }
        parsed.path("manifests").forEach(child -> verify(
                new Live(image.repository(), Digest.parse(child.get("digest").asString()), false), when));
    }

    private void expect(boolean condition, String failure) {
        if (!condition) {
            failures.add(failure);
        }
    }
}
