package io.stevedore.registry.outages;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.outages.FaultClient.Answer;
import io.stevedore.registry.postgres.EmbeddedPostgres;
import io.stevedore.registry.scaleout.ReplicaProcesses;
import io.stevedore.registry.scaleout.ScaleOutStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The registry process killed with SIGKILL at random points of at least 200 pushes (monolithic and
 * chunked blob uploads, manifest PUTs, from several clients at once) and started again on the same
 * database and storage: every push it acknowledged is complete and pullable with the right digest,
 * every other one is invisible, or resumable (its session goes on, and finishing it gives the right
 * blob) or unknown; a blob is never visible half-written. Runs against the packaged jar, on fs and
 * (failsafe's {@code s3-storage} execution) on S3.
 */
class CrashRecoveryIT {
    // One per run: failsafe runs this class on fs and then on S3, and tags must not meet the other run's.
    private static final Path WORK = Path.of("target", "crash-recovery-it-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    /** The figure; rounds go on until this many pushes were attempted. */
    private static final int MIN_PUSHES = 200;
    /** Each round costs a JVM start (15-30 s on the shared 2-core machine), so fewer, longer rounds. */
    private static final int MIN_KILLS = 6;
    /** A bound, should pushes stop getting anywhere: far more than the 6 rounds 200 pushes take. */
    private static final int MAX_ROUNDS = 30;
    private static final int CLIENTS = 4;
    private static final int CHUNK = 128 * 1024;

    /** What one push got acknowledged before the kill. */
    record Push(String repo, String tag, byte[] config, byte[] layer, byte[] manifest, boolean configAcked,
                boolean layerAcked, boolean manifestAcked, String session) {
    }

    /** What the checks after the last restart found. */
    private static final class Figures {
        int acknowledged;
        int verified;
        int resumed;
        int unknownSessions;
        int lostOnResume;
    }

    @Test
    void acknowledgedPushesSurviveSigkillAndTheRestAreInvisibleOrResumable() throws Exception {
        long seed = Long.getLong("stevedore.crash.seed", 13);
        Random random = new Random(seed);
        List<Push> pushes = Collections.synchronizedList(new ArrayList<>());
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(WORK.resolve("database"), 0, "nobody");
             ScaleOutStorage storage = ScaleOutStorage.start(WORK);
             ReplicaProcesses processes = new ReplicaProcesses()) {
            EmbeddedPostgres.Endpoint db = postgres.start();
            List<String> args = new ArrayList<>(List.of("--registry.auth.enabled=false",
                    "--spring.datasource.url=" + db.jdbcUrl(), "--spring.datasource.username=" + db.username(),
                    "--spring.datasource.password=" + db.password()));
            args.addAll(storage.arguments());
            Path jar = Path.of("target", "registry-server.jar").toAbsolutePath();
            AtomicInteger numbers = new AtomicInteger();
            int kills = 0;
            while (kills < MIN_KILLS || pushes.size() < MIN_PUSHES) {
                assertThat(kills).as("rounds without reaching %d pushes (%d so far)", MIN_PUSHES, pushes.size())
                        .isLessThan(MAX_ROUNDS);
                ReplicaProcesses.Replica replica = processes.start(jar, WORK.resolve("server"), args);
                // The kill comes a random 0-400 ms after a random number of pushes has started, so it
                // meets each client at another step of its push.
                killDuringPushes(replica, new FaultClient(replica.url(), Duration.ofSeconds(30)), numbers, seed,
                        24 + random.nextInt(32), random.nextInt(400), pushes);
                assertNoWorkerOutlives(replica);
                kills++;
            }
            ReplicaProcesses.Replica survivor = processes.start(jar, WORK.resolve("server"), args);
            FaultClient client = new FaultClient(survivor.url(), Duration.ofSeconds(30));
            Figures figures = new Figures();
            for (Push push : pushes) {
                check(client, push, figures);
            }
            System.out.printf("crash recovery (%s): %d pushes attempted over %d SIGKILLs, %d manifests acknowledged, "
                            + "%d acknowledged objects (blobs and manifests) read back digest-correct, "
                            + "%d unfinished sessions resumed to the right blob, %d unknown after the restart, "
                            + "%d found unable to go on at their next PATCH or finishing PUT%n",
                    storage.arguments().getFirst(), pushes.size(), kills, figures.acknowledged, figures.verified,
                    figures.resumed, figures.unknownSessions, figures.lostOnResume);
            assertThat(pushes).hasSizeGreaterThanOrEqualTo(MIN_PUSHES);
            assertThat(figures.acknowledged).isPositive();
        }
    }

    /** Clients push until the kill; returns once the process is dead and every client has stopped. */
    private static void killDuringPushes(ReplicaProcesses.Replica replica, FaultClient client, AtomicInteger numbers,
                                         long seed, int killAfterPushes, long killDelayMillis, List<Push> pushes)
            throws Exception {
        AtomicBoolean killed = new AtomicBoolean();
        AtomicInteger started = new AtomicInteger();
        CountDownLatch armed = new CountDownLatch(1);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        for (int c = 0; c < CLIENTS; c++) {
            clients.submit(() -> {
                while (!killed.get()) {
                    if (started.incrementAndGet() == killAfterPushes) {
                        armed.countDown();
                    }
                    int n = numbers.getAndIncrement();
                    pushes.add(push(client, n, new Random(seed * 1_000_003 + n)));
                }
                return null;
            });
        }
        armed.await();
        Thread.sleep(killDelayMillis); // the random point of the kill, not a wait for anything
        killed.set(true); // pushes started from now on would only meet a refused connection
        replica.process().destroyForcibly(); // SIGKILL
        replica.process().waitFor();
        clients.shutdown();
        assertThat(clients.awaitTermination(2, TimeUnit.MINUTES)).as("clients stop once the server is dead").isTrue();
    }

    /**
     * The registry's embedded build worker (a child process) must not outlive it: nothing stops it
     * after a SIGKILL but its watch on the registry's process.
     */
    private static void assertNoWorkerOutlives(ReplicaProcesses.Replica replica) throws InterruptedException {
        String registry = replica.url().toString();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<ProcessHandle> orphans;
        do {
            orphans = ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                    .map(args -> Arrays.asList(args).contains(registry)).orElse(false)).toList();
            if (!orphans.isEmpty()) {
                Thread.sleep(200);
            }
        } while (!orphans.isEmpty() && System.nanoTime() < deadline);
        orphans.forEach(ProcessHandle::destroyForcibly); // the test's own leftovers, named in the failure
        assertThat(orphans).as("processes still working for the killed registry at %s", registry).isEmpty();
    }

    /** After the restart: acknowledged parts complete, the rest absent or whole, unfinished sessions resumable or unknown. */
    private static void check(FaultClient client, Push push, Figures figures) throws Exception {
        figures.verified += assertBlob(client, push.repo(), push.config(), push.configAcked());
        figures.verified += assertBlob(client, push.repo(), push.layer(), push.layerAcked());
        Answer manifest = client.getManifest(push.repo(), push.tag());
        if (push.manifestAcked()) {
            assertThat(manifest.status()).as("acknowledged manifest %s:%s", push.repo(), push.tag()).isEqualTo(200);
            Answer byDigest = client.getManifest(push.repo(), Digest.sha256(push.manifest()).toString());
            assertThat(byDigest.body()).as("acknowledged manifest by digest").isEqualTo(push.manifest());
            figures.acknowledged++;
            figures.verified++;
        }
        if (manifest.status() == 200) {
            assertThat(manifest.body()).isEqualTo(push.manifest());
        } else {
            assertThat(manifest.status()).as(manifest.text()).isEqualTo(404);
        }
        if (push.session() != null && !push.layerAcked()) {
            switch (resume(client, push)) {
                case RESUMED -> figures.resumed++;
                case UNKNOWN -> figures.unknownSessions++;
                case LOST_ON_RESUME -> figures.lostOnResume++;
            }
        }
    }

    /** 1 if the blob was acknowledged (and so checked to be there and whole). */
    private static int assertBlob(FaultClient client, String repo, byte[] blob, boolean acknowledged) throws Exception {
        Answer answer = client.getBlob(repo, Digest.sha256(blob));
        if (acknowledged) {
            assertThat(answer.status()).as("acknowledged blob in %s", repo).isEqualTo(200);
        }
        if (answer.status() == 200) {
            assertThat(Digest.sha256(answer.body())).as("a visible blob is whole").isEqualTo(Digest.sha256(blob));
        } else {
            assertThat(answer.status()).as(answer.text()).isEqualTo(404);
        }
        return acknowledged ? 1 : 0;
    }

    enum Resumption { RESUMED, UNKNOWN, LOST_ON_RESUME }

    /**
     * An unfinished chunked upload: either unknown (404 BLOB_UPLOAD_UNKNOWN), or it reports the
     * bytes it holds and finishing it from there gives the right blob; or (S3: a PATCH the kill cut
     * off had rewritten the session's tail object) its next PATCH finds it cannot go on and
     * answers 404 BLOB_UPLOAD_UNKNOWN, dropping it, so the client starts the blob again; or (S3:
     * the kill cut off a final PUT after S3 had assembled the parts) the finishing PUT does.
     * Either way the client learns it before anything becomes visible.
     */
    private static Resumption resume(FaultClient client, Push push) throws Exception {
        Answer status = client.send("GET", push.session(), null);
        assertThat(status.status()).as("unfinished session %s: %s", push.session(), status.text()).isIn(204, 404);
        if (status.status() == 404) {
            assertThat(status.errorCode()).isEqualTo("BLOB_UPLOAD_UNKNOWN");
            return Resumption.UNKNOWN;
        }
        // "0-0" is also what an empty session reports (a single byte held is not meant here). The
        // session may hold part of a chunk the kill interrupted: the client goes on from there.
        long held = status.range() == null || status.range().equals("0-0") ? 0
                : Long.parseLong(status.range().substring(status.range().indexOf('-') + 1)) + 1;
        assertThat(held).as("bytes held by %s", push.session()).isLessThanOrEqualTo(push.layer().length);
        String location = status.location();
        if (held < push.layer().length) {
            Answer rest = client.send("PATCH", location, Arrays.copyOfRange(push.layer(), (int) held, push.layer().length),
                    "Content-Type", "application/octet-stream",
                    "Content-Range", held + "-" + (push.layer().length - 1));
            assertThat(rest.status()).as("resuming %s at %d: %s", push.session(), held, rest.text()).isIn(202, 404);
            if (rest.status() == 404) {
                assertThat(rest.errorCode()).isEqualTo("BLOB_UPLOAD_UNKNOWN");
                assertThat(client.send("GET", push.session(), null).status()).as("dropped").isEqualTo(404);
                return Resumption.LOST_ON_RESUME;
            }
            location = rest.location();
        }
        Answer done = client.send("PUT", FaultClient.withDigest(location, Digest.sha256(push.layer())), null);
        assertThat(done.status()).as("finishing the resumed %s: %s", push.session(), done.text()).isIn(201, 404);
        if (done.status() == 404) {
            // S3: the kill cut off the final PUT after S3 had assembled the parts; they cannot be
            // gathered again, so the session is dropped and the blob is still invisible or whole.
            assertThat(done.errorCode()).isEqualTo("BLOB_UPLOAD_UNKNOWN");
            assertThat(client.send("GET", push.session(), null).status()).as("dropped").isEqualTo(404);
            assertBlob(client, push.repo(), push.layer(), false);
            return Resumption.LOST_ON_RESUME;
        }
        assertBlob(client, push.repo(), push.layer(), true);
        return Resumption.RESUMED;
    }

    /** Config monolithic, layer chunked, manifest; stops at the first step without a 2xx (the kill). */
    private static Push push(FaultClient client, int n, Random random) {
        String repo = "crash/r" + (n % 7);
        String tag = "t" + n;
        byte[] config = FaultClient.config("crash-" + n);
        byte[] layer = FaultClient.random(256 * 1024 + random.nextInt(512 * 1024), n);
        byte[] manifest = FaultClient.manifest(config, layer);
        boolean configAcked = false;
        boolean layerAcked = false;
        boolean manifestAcked = false;
        String session = null;
        try {
            configAcked = client.pushMonolithic(repo, config).status() == 201;
            if (configAcked) {
                Answer started = client.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
                session = started.status() == 202 ? started.location() : null;
                String location = session;
                for (int offset = 0; location != null && offset < layer.length; offset += CHUNK) {
                    int end = Math.min(layer.length, offset + CHUNK);
                    Answer patched = client.send("PATCH", location, Arrays.copyOfRange(layer, offset, end),
                            "Content-Type", "application/octet-stream", "Content-Range", offset + "-" + (end - 1));
                    location = patched.status() == 202 ? patched.location() : null;
                }
                if (location != null) {
                    layerAcked = client.send("PUT", FaultClient.withDigest(location, Digest.sha256(layer)), null)
                            .status() == 201;
                }
            }
            if (layerAcked) {
                manifestAcked = client.putManifest(repo, tag, manifest).status() == 201;
            }
        } catch (Exception e) {
            // the server died under this request: it stays unacknowledged
        }
        return new Push(repo, tag, config, layer, manifest, configAcked, layerAcked, manifestAcked, session);
    }
}
