package io.stevedore.registry.gc;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stevedore.oci.Digest;
import io.stevedore.registry.cluster.SingleReplica;
import io.stevedore.registry.config.RegistryProperties;
import io.stevedore.registry.gc.GcStore.DeletedBlob;
import io.stevedore.registry.gc.GcStore.Link;
import io.stevedore.storage.BlobStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Online garbage collection: removes repository links no manifest of the repository references,
 * then blobs with neither links nor references, then files in the store no blobs row describes,
 * each only once older than {@code registry.gc.blob-grace}. Pushes and pulls continue meanwhile:
 * the work goes in batches of short statements, and the locks it shares with pushes (see
 * docs/gc.md for the races) make a push either keep its blob or fail with BLOB_UNKNOWN.
 *
 * <p>One run at a time across all replicas ({@link SingleReplica}); only the {@link BlobStore}
 * SPI is used, so it works on every store.
 */
@Component
public class GarbageCollector {
    static final String TASK = "garbage-collection";
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);
    /** Store deletes in flight at once: S3 deletes are round trips, filesystem ones are cheap. */
    private static final int PARALLEL_DELETES = 8;

    private final GcStore gc;
    private final BlobStore store;
    private final DataSource dataSource;
    private final TransactionTemplate transaction;
    private final SingleReplica singleReplica;
    private final Duration grace;
    private final int batchSize;
    private final double dutyCycle;
    private final Duration walkInterval;
    private final MeterRegistry meters;

    GarbageCollector(GcStore gc, BlobStore store, DataSource dataSource, TransactionTemplate transaction,
                     SingleReplica singleReplica, RegistryProperties properties, MeterRegistry meters) {
        this.gc = gc;
        this.store = store;
        this.dataSource = dataSource;
        this.transaction = transaction;
        this.singleReplica = singleReplica;
        this.grace = properties.gc().blobGrace();
        this.batchSize = properties.gc().batchSize();
        this.dutyCycle = properties.gc().dutyCycle();
        this.walkInterval = properties.gc().walkInterval();
        this.meters = meters;
    }

    /** Collects now with the configured grace; empty if a run is going on (on any replica). */
    public Optional<GcRun> collect(String trigger, String requestedBy) {
        return collect(trigger, requestedBy, grace);
    }

    /** Collects now, walking the store for orphan files whenever the last walk was. */
    public Optional<GcRun> collectWalkingStore(String trigger, String requestedBy) {
        return collect(trigger, requestedBy, grace, Duration.ZERO);
    }

    /** Collects with another grace (tests; an operator's tool). */
    public Optional<GcRun> collect(String trigger, String requestedBy, Duration grace) {
        return collect(trigger, requestedBy, grace, walkInterval);
    }

    /**
     * Collects with another grace and walk interval: {@link Duration#ZERO} walks the store now,
     * whenever the last walk was (an operator looking for orphan files; tests).
     */
    public Optional<GcRun> collect(String trigger, String requestedBy, Duration grace, Duration walkInterval) {
        return singleReplica.runIfFree(TASK, () -> run(trigger, requestedBy, grace, walkInterval));
    }

    public List<GcRun> recentRuns(int limit) {
        return gc.recentRuns(limit);
    }

    private GcRun run(String trigger, String requestedBy, Duration grace, Duration walkInterval) {
        GcStore.Started started = gc.startRun(trigger, requestedBy, walkInterval);
        long id = started.id();
        Timer.Sample timer = Timer.start(meters);
        Tally tally = new Tally();
        Pacer pacer = new Pacer(dutyCycle);
        // The database's clock, like the created_at columns it is compared with.
        Instant cutoff = gc.now().minus(grace);
        try (CollectionLocks locks = CollectionLocks.open(dataSource);
             ExecutorService deletes = Executors.newFixedThreadPool(PARALLEL_DELETES)) {
            removeUnreferencedLinks(cutoff, pacer, tally);
            deleteUnreferencedBlobs(cutoff, locks, deletes, pacer, tally);
            if (started.walksStore()) {
                recordOrphanFiles(pacer);
            }
            deleteOrphanFiles(cutoff, locks, deletes, pacer, tally);
            // for the work since the last batch's rest too: runs started back to back (POST
            // /api/v1/gc in a loop) would otherwise work all the time when each has one batch
            pacer.rest();
        } catch (IOException | RuntimeException e) {
            tally.error("collection stopped", e);
        }
        GcRun.Counts counts = tally.counts();
        gc.finishRun(id, counts, tally.lastError);
        timer.stop(meters.timer("stevedore.gc.duration", "trigger", trigger));
        meters.counter("stevedore.gc.links.removed").increment(counts.linksRemoved());
        meters.counter("stevedore.gc.blobs.deleted").increment(counts.blobsDeleted());
        meters.counter("stevedore.gc.bytes.freed").increment(counts.bytesFreed());
        meters.counter("stevedore.gc.orphan.files.deleted").increment(counts.orphanFilesDeleted());
        meters.counter("stevedore.gc.errors").increment(counts.errors());
        log.info("garbage collection {} ({}): {}", id, trigger, counts);
        return gc.run(id).orElseThrow();
    }

    /**
     * A blob pushed or mounted into a repository and never referenced there stops being pullable
     * from it after the grace. Each batch is one short transaction holding its rows only.
     */
    private void removeUnreferencedLinks(Instant cutoff, Pacer pacer, Tally tally) {
        Link after = new Link(0, "");
        while (true) {
            Link from = after;
            List<Link> locked = transaction.execute(status -> {
                List<Link> rows = gc.lockUnreferencedLinks(cutoff, from, batchSize);
                tally.links.addAndGet(gc.deleteLinksStillUnreferenced(rows));
                return rows;
            });
            if (locked == null || locked.size() < batchSize) {
                return;
            }
            after = locked.getLast();
            pacer.rest();
        }
    }

    /**
     * Rows first, committed, then bytes: a pull never finds a row whose bytes are gone, and a
     * failed byte delete leaves an orphan file for a later walk. The collection locks, held across
     * both, keep a commit of the same digest from writing its bytes in between.
     */
    private void deleteUnreferencedBlobs(Instant cutoff, CollectionLocks locks, ExecutorService deletes,
                                         Pacer pacer, Tally tally) {
        forEachLockedBatch(locks, pacer, after -> gc.unreferencedBlobs(cutoff, after, batchSize), locked -> {
            List<DeletedBlob> deleted = gc.deleteBlobsStillUnreferenced(locked, cutoff);
            List<Future<?>> pending = new ArrayList<>();
            for (DeletedBlob blob : deleted) {
                pending.add(deletes.submit(() -> {
                    tally.blobs.incrementAndGet();
                    if (deleteBytes(blob.digest(), tally)) {
                        tally.bytes.addAndGet(blob.size());
                    }
                }));
            }
            awaitAll(pending, tally);
        });
    }

    /**
     * Walks the store: files no blobs row describes are noted at their first sighting, and those
     * noted earlier and gone (or now described) are forgotten. Only some runs walk
     * (registry.gc.walk-interval): on a large store the walk is most of a run's work.
     */
    private void recordOrphanFiles(Pacer pacer) throws IOException {
        Instant walkStart = gc.now();
        List<String> walked = new ArrayList<>();
        store.walk(digest -> {
            walked.add(digest.toString());
            if (walked.size() == batchSize) {
                gc.recordOrphanSightings(walked);
                walked.clear();
                pacer.rest();
            }
        });
        gc.recordOrphanSightings(walked);
        gc.forgetSettledOrphans(walkStart);
    }

    /**
     * Deletes the orphan files a walk noted, once their grace has passed and if still without a
     * row. A commit between its bytes and its row holds the digest's collection lock, so it is
     * skipped; build contexts (files without rows by design) are kept while their build needs them.
     */
    private void deleteOrphanFiles(Instant cutoff, CollectionLocks locks, ExecutorService deletes, Pacer pacer,
                                   Tally tally) {
        forEachLockedBatch(locks, pacer, after -> gc.dueOrphans(cutoff, after, batchSize), locked -> {
            List<Future<?>> pending = new ArrayList<>();
            for (String digest : locked) {
                if (gc.blobRowExists(digest)) {
                    gc.forgetOrphan(digest);
                    continue;
                }
                pending.add(deletes.submit(() -> {
                    long size = store.stat(Digest.parse(digest)).orElse(0L);
                    if (deleteBytes(digest, tally)) {
                        tally.orphans.incrementAndGet();
                        tally.bytes.addAndGet(size);
                        gc.forgetOrphan(digest);
                    }
                    return null;
                }));
            }
            awaitAll(pending, tally);
        });
    }

    /**
     * Pages through candidate digests in key order ({@code page} answers those after a key), and
     * hands each page's digests that no commit or mount holds to {@code work}, under their
     * collection locks.
     */
    private void forEachLockedBatch(CollectionLocks locks, Pacer pacer, Function<String, List<String>> page,
                                    Consumer<List<String>> work) {
        String after = "";
        List<String> candidates;
        do {
            candidates = page.apply(after);
            if (candidates.isEmpty()) {
                return;
            }
            after = candidates.getLast();
            List<String> locked = locks.tryLock(candidates);
            try {
                work.accept(locked);
            } finally {
                locks.unlock(locked);
            }
            pacer.rest();
        } while (candidates.size() == batchSize);
    }

    private boolean deleteBytes(String digest, Tally tally) {
        try {
            store.delete(Digest.parse(digest));
            return true;
        } catch (IOException | RuntimeException e) {
            tally.error("could not delete " + digest + " from the store", e);
            return false;
        }
    }

    private static void awaitAll(List<Future<?>> pending, Tally tally) {
        for (Future<?> future : pending) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                tally.error("store delete failed", e.getCause());
            }
        }
    }

    /** What a run did so far; updated from the delete threads. */
    private static final class Tally {
        final AtomicLong links = new AtomicLong();
        final AtomicLong blobs = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong orphans = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        volatile String lastError;

        void error(String what, Throwable e) {
            errors.incrementAndGet();
            lastError = what + ": " + e;
            log.warn("garbage collection: {}: {}", what, e.toString());
        }

        GcRun.Counts counts() {
            return new GcRun.Counts(links.get(), blobs.get(), bytes.get(), orphans.get(), (int) errors.get());
        }
    }
}
