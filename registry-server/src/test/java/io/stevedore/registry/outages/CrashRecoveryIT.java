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
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The registry process killed with SIGKILL at random points of 200 pushes (monolithic and chunked
 * blob uploads, manifest PUTs) and started again on the same database and storage: every push it
 * acknowledged is complete and pullable, every other one is invisible or resumable (its session
 * goes on or is unknown), a blob is never visible half-written. Runs against the packaged jar.
 */
class CrashRecoveryIT {
    // One per run: failsafe runs this class on fs and then on S3, and tags must not meet the other run's.
    private static final Path WORK = Path.of("target", "crash-recovery-it-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    private static final int ROUNDS = 10;
    private static final int PUSHES_PER_ROUND = 20;

    /** What one push got acknowledged before the kill. */
    record Push(String repo, String tag, byte[] config, byte[] layer, byte[] manifest, boolean configAcked,
                boolean layerAcked, boolean manifestAcked, String session) {
    }

    @Test
    void acknowledgedPushesSurviveSigkillAndTheRestAreInvisibleOrResumable() throws Exception {
        Random random = new Random(Long.getLong("stevedore.crash.seed", 13));
        List<Push> pushes = new ArrayList<>();
        try (EmbeddedPostgres postgres = new EmbeddedPostgres(WORK.resolve("database"), 0, "nobody");
             ScaleOutStorage storage = ScaleOutStorage.start(WORK);
             ReplicaProcesses processes = new ReplicaProcesses()) {
            EmbeddedPostgres.Endpoint db = postgres.start();
            List<String> args = new ArrayList<>(List.of("--registry.auth.enabled=false",
                    "--spring.datasource.url=" + db.jdbcUrl(), "--spring.datasource.username=" + db.username(),
                    "--spring.datasource.password=" + db.password()));
            args.addAll(storage.arguments());
            Path jar = Path.of("target", "registry-server.jar").toAbsolutePath();
            int kills = 0;
            for (int round = 0; round < ROUNDS; round++) {
                ReplicaProcesses.Replica replica = processes.start(jar, WORK.resolve("server"), args);
                FaultClient client = new FaultClient(replica.url(), Duration.ofSeconds(30));
                long killAfterMillis = 200 + random.nextInt(2500);
                Thread killer = Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(killAfterMillis);
                        replica.process().destroyForcibly(); // SIGKILL
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                for (int i = 0; i < PUSHES_PER_ROUND && replica.process().isAlive(); i++) {
                    pushes.add(push(client, round * PUSHES_PER_ROUND + i, random));
                }
                killer.join();
                replica.process().waitFor();
                kills++;
            }
            ReplicaProcesses.Replica survivor = processes.start(jar, WORK.resolve("server"), args);
            FaultClient client = new FaultClient(survivor.url(), Duration.ofSeconds(30));
            int acknowledged = 0;
            int resumable = 0;
            for (Push push : pushes) {
                acknowledged += check(client, push) ? 1 : 0;
                if (push.session() != null && !push.layerAcked()) {
                    Answer status = client.send("GET", push.session(), null);
                    assertThat(status.status()).as("unfinished session %s: %s", push.session(), status.text())
                            .isIn(204, 404);
                    if (status.status() == 404) {
                        assertThat(status.errorCode()).isEqualTo("BLOB_UPLOAD_UNKNOWN");
                    } else {
                        resumable++;
                    }
                }
            }
            System.out.printf("crash recovery: %d pushes attempted over %d SIGKILLs, %d manifests acknowledged, "
                    + "%d unfinished sessions resumable%n", pushes.size(), kills, acknowledged, resumable);
            assertThat(kills).isEqualTo(ROUNDS);
            assertThat(acknowledged).isPositive();
        }
    }

    /** After the restart: acknowledged parts complete, the rest absent or whole. True if the manifest was acknowledged. */
    private static boolean check(FaultClient client, Push push) throws Exception {
        assertBlob(client, push.repo(), push.config(), push.configAcked());
        assertBlob(client, push.repo(), push.layer(), push.layerAcked());
        Answer manifest = client.getManifest(push.repo(), push.tag());
        if (push.manifestAcked()) {
            assertThat(manifest.status()).as("acknowledged manifest %s:%s", push.repo(), push.tag()).isEqualTo(200);
        }
        if (manifest.status() == 200) {
            assertThat(manifest.body()).isEqualTo(push.manifest());
        } else {
            assertThat(manifest.status()).as(manifest.text()).isEqualTo(404);
        }
        return push.manifestAcked();
    }

    private static void assertBlob(FaultClient client, String repo, byte[] blob, boolean acknowledged) throws Exception {
        Answer answer = client.getBlob(repo, Digest.sha256(blob));
        if (acknowledged) {
            assertThat(answer.status()).as("acknowledged blob in %s", repo).isEqualTo(200);
        }
        if (answer.status() == 200) {
            assertThat(Digest.sha256(answer.body())).as("a visible blob is whole").isEqualTo(Digest.sha256(blob));
        } else {
            assertThat(answer.status()).as(answer.text()).isEqualTo(404);
        }
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
                int chunk = 128 * 1024;
                String location = session;
                for (int offset = 0; location != null && offset < layer.length; offset += chunk) {
                    int end = Math.min(layer.length, offset + chunk);
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
