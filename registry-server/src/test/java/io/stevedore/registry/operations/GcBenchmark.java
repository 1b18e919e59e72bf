package io.stevedore.registry.operations;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.oci.Digest;
import io.stevedore.registry.gc.GcRun;
import io.stevedore.storage.BlobStore;
import io.stevedore.storage.UploadIds;
import io.stevedore.storage.UploadWriter;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The garbage collection benchmark (docs/bench/gc.sh; not a test: it runs only with
 * {@code -Dstevedore.bench=true}). Seeds 100,000 blobs (bytes through the BlobStore, rows by SQL)
 * and 10,000 manifests referencing half of them, times collections, then runs
 * ../shared/bench/RegistryBench.java against the server without and with collections looping
 * through {@code POST /api/v1/gc}. Output in target/gc-bench-<storage>.txt.
 */
class GcBenchmark {
    private static final int BLOBS = Integer.getInteger("stevedore.bench.blobs", 100_000);
    private static final int MANIFESTS = Integer.getInteger("stevedore.bench.manifests", 10_000);
    private static final int LAYERS_PER_MANIFEST = BLOBS / 2 / MANIFESTS;
    private final List<String> report = new ArrayList<>();

    @Test
    void collectionTimeAndThroughputBesideIt() throws Exception {
        assumeTrue(Boolean.getBoolean("stevedore.bench") && !Boolean.getBoolean("stevedore.test.auth"),
                "a benchmark: -Dstevedore.bench=true");
        GcRegistry registry = GcRegistry.get();
        String storage = System.getProperty("stevedore.test.storage", "fs");
        note("storage=%s blobs=%d manifests=%d layers/manifest=%d cpus=%d", storage, BLOBS, MANIFESTS,
                LAYERS_PER_MANIFEST, Runtime.getRuntime().availableProcessors());

        long seedStart = System.nanoTime();
        List<String> digests = writeBlobs(registry.store());
        long bytesSeeded = System.nanoTime();
        seedRows(registry.jdbc(), digests);
        note("seed: bytes %.1f s, rows %.1f s", (bytesSeeded - seedStart) / 1e9, (System.nanoTime() - bytesSeeded) / 1e9);

        timed(registry, "first run (orphan walk records nothing; half the blobs and their links are garbage)");
        timed(registry, "second run (nothing left to delete)");
        long start = System.nanoTime();
        GcRun walking = registry.collect(Duration.ofHours(24), Duration.ZERO);
        note("gc third run, walking the store (as a run does once per walk interval): %.2f s, walked %s, %s",
                (System.nanoTime() - start) / 1e9, walking.storeWalked(), walking.counts());

        String bench = Path.of("..", "..", "shared", "bench", "RegistryBench.java").toAbsolutePath().normalize()
                .toString();
        // A warm-up first: right after seeding, the JIT and PostgreSQL (autovacuum after the
        // 50,000 deletes) made the first measured run up to 45 % slower than later ones, which an
        // A-B-A order then reads as the cost of GC. After it, A-B-A-B, so each side runs twice.
        throughput(registry, bench, "warm-up, not measured", false);
        throughput(registry, bench, "without gc", false);
        throughput(registry, bench, "with gc looping via POST /api/v1/gc", true);
        throughput(registry, bench, "without gc (again)", false);
        throughput(registry, bench, "with gc looping via POST /api/v1/gc (again)", true);
        Files.write(Path.of("target", "gc-bench-" + storage + ".txt"), report);
    }

    private List<String> writeBlobs(BlobStore store) throws Exception {
        List<String> digests = new ArrayList<>();
        List<Future<String>> written = new ArrayList<>();
        try (ExecutorService writers = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < BLOBS; i++) {
                written.add(writers.submit(() -> {
                    byte[] content = GcRegistry.randomBytes(512);
                    Digest digest = Digest.sha256(content);
                    try (UploadWriter writer = store.upload(UploadIds.newId())) {
                        writer.append(new ByteArrayInputStream(content));
                        writer.commit(digest);
                    }
                    return digest.toString();
                }));
            }
            for (Future<String> future : written) {
                digests.add(future.get());
            }
        }
        return digests;
    }

    /**
     * Rows for every blob, 2 days old; the first half linked into 100 repositories and referenced
     * by 10,000 manifests, the second half unlinked and unreferenced (garbage).
     */
    private static void seedRows(JdbcClient jdbc, List<String> digests) {
        jdbc.sql("""
                insert into blobs (digest, size, created_at)
                select d, 512, now() - interval '2 days' from unnest(?::text[]) as d""")
                .param(digests.toArray(String[]::new)).update();
        jdbc.sql("""
                insert into repositories (name) select 'bench-gc/r' || i from generate_series(0, 99) as i
                on conflict do nothing""").update();
        // manifests and their references in one statement, as ManifestStore inserts them: the
        // usage trigger (V16) counts the references its statement inserted with the manifests
        jdbc.sql("""
                with m as (
                    insert into manifests (repository_id, digest, media_type, size, content, created_at)
                    select r.id, 'sha256:' || lpad(to_hex(m), 64, '0'), 'application/vnd.oci.image.manifest.v1+json',
                           2, '{}'::bytea, now() - interval '2 days'
                    from generate_series(0, ? - 1) as m
                    join repositories r on r.name = 'bench-gc/r' || (m % 100)
                    returning id, digest),
                used as (select d, ordinality - 1 as n from unnest(?::text[]) with ordinality as d)
                insert into manifest_references (manifest_id, position, kind, digest, media_type, size)
                select m.id, used.n % ?, case when used.n % ? = 0 then 'config' else 'layer' end, used.d,
                       'application/octet-stream', 512
                from used join m on m.digest = 'sha256:' || lpad(to_hex(used.n / ?), 64, '0')""")
                .params(MANIFESTS, digests.subList(0, MANIFESTS * LAYERS_PER_MANIFEST).toArray(String[]::new),
                        LAYERS_PER_MANIFEST, LAYERS_PER_MANIFEST, LAYERS_PER_MANIFEST)
                .update();
        jdbc.sql("""
                insert into repository_blobs (repository_id, digest, created_at)
                select distinct m.repository_id, mr.digest, now() - interval '2 days'
                from manifest_references mr join manifests m on m.id = mr.manifest_id
                join repositories r on r.id = m.repository_id and r.name like 'bench-gc/%'
                on conflict do nothing""").update();
        jdbc.sql("analyze").update();
    }

    private void timed(GcRegistry registry, String what) {
        long start = System.nanoTime();
        GcRun run = registry.collect(Duration.ofHours(24));
        note("gc %s: %.2f s, walked %s, %s", what, (System.nanoTime() - start) / 1e9, run.storeWalked(), run.counts());
    }

    private void throughput(GcRegistry registry, String bench, String label, boolean collecting) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger runs = new AtomicInteger();
        Thread loop = Thread.ofPlatform().start(() -> {
            while (collecting && !stop.get()) {
                if (registry.send("POST", "/api/v1/gc", null).status() == 200) {
                    runs.incrementAndGet();
                }
            }
        });
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                bench, "--url", registry.url().toString(), "--user", "admin", "--password", registry.adminPassword(),
                "--scenarios", "push-monolithic,manifest-put,mixed", "--duration", "8", "--blob-count", "300",
                "--blob-size", "256k", "--manifest-tags", "300", "--clients", "16")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        stop.set(true);
        loop.join();
        note("--- RegistryBench %s (%d gc runs meanwhile)%n%s", label, runs.get(), output);
    }

    private void note(String format, Object... args) {
        String line = String.format(java.util.Locale.ROOT, format, args);
        System.out.println(line);
        report.add(line);
    }
}
