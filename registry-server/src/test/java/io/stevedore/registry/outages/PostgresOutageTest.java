package io.stevedore.registry.outages;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.oci.Digest;
import io.stevedore.registry.StevedoreApplication;
import io.stevedore.registry.outages.FaultClient.Answer;
import io.stevedore.registry.postgres.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * PostgreSQL stopped and started again under a load of pushes and pulls, the registry running on:
 * while the database is down every request that needs it is answered 503 UNAVAILABLE in the OCI
 * shape with Retry-After (never a 500, never a hang), and once it is back the same process serves
 * again, with every push acknowledged before, during or after the outage intact.
 */
class PostgresOutageTest {
    private static final Path WORK = Path.of("target", "postgres-outage-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    private static final int CLIENTS = 4;

    private static EmbeddedPostgres postgres;
    private static ConfigurableApplicationContext registry;
    private static FaultClient client;

    /** A request's answer, or the exception the client got instead of one. */
    record Outcome(String step, Answer answer, Exception failure, long millis) {
    }

    /** A manifest push the registry acknowledged: it must stay pullable. */
    record Acknowledged(String repo, String tag, byte[] manifest, byte[] layer) {
    }

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // A fixed port, so that the restarted server is where the pool's URL points.
        postgres = new EmbeddedPostgres(WORK.resolve("database"), port, "nobody");
        EmbeddedPostgres.Endpoint db = postgres.start();
        registry = new SpringApplicationBuilder(StevedoreApplication.class).run(
                "--server.port=0", "--server.address=127.0.0.1", "--registry.auth.enabled=false",
                "--registry.data-dir=" + WORK.resolve("data"), "--registry.storage.type=fs",
                "--spring.datasource.url=" + db.jdbcUrl(), "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password());
        client = new FaultClient(URI.create("http://127.0.0.1:" + registry.getEnvironment()
                .getProperty("local.server.port")), Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws IOException {
        if (registry != null) {
            registry.close();
        }
        if (postgres != null) {
            postgres.stop();
        }
    }

    @Test
    void requestsFailFastWith503WhilePostgresIsDownAndSucceedOnceItIsBack() throws Exception {
        Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        Queue<Acknowledged> acknowledged = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger sequence = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                workers.add(pool.submit(() -> {
                    while (running.get()) {
                        pushAndPull(sequence.incrementAndGet(), outcomes, acknowledged);
                    }
                    return null;
                }));
            }
            awaitUpTo(Duration.ofSeconds(60), () -> acknowledged.size() >= 10);
            int beforeOutage = outcomes.size();
            postgres.stop();
            awaitUpTo(Duration.ofSeconds(60), () -> unavailable(outcomes) >= 20);
            int acknowledgedBeforeRestart = acknowledged.size();
            postgres.start();
            boolean recovered = awaitUpTo(Duration.ofSeconds(60), () -> acknowledged.size() >= acknowledgedBeforeRestart + 10);
            running.set(false);
            for (Future<?> worker : workers) {
                worker.get();
            }
            assertThat(outcomes.size()).isGreaterThan(beforeOutage);
            assertThat(unavailable(outcomes)).as("503s while PostgreSQL was down").isGreaterThanOrEqualTo(20);
            assertThat(recovered).as("pushes succeed again once PostgreSQL is back, without a restart").isTrue();
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
        for (Outcome outcome : outcomes) {
            assertThat(outcome.failure()).as("%s got no answer", outcome.step()).isNull();
            Answer answer = outcome.answer();
            assertThat(answer.status()).as("%s: %s", outcome.step(), answer.text()).isIn(200, 201, 202, 503);
            if (answer.status() == 503) {
                FaultClient.assertOutage(answer, 503, "database");
            }
        }
        for (Acknowledged push : acknowledged) {
            Answer manifest = client.getManifest(push.repo(), push.tag());
            assertThat(manifest.status()).isEqualTo(200);
            assertThat(manifest.body()).isEqualTo(push.manifest());
            assertThat(client.getBlob(push.repo(), Digest.sha256(push.layer())).body()).isEqualTo(push.layer());
        }
        long slowest = outcomes.stream().filter(o -> o.answer() != null && o.answer().status() == 503)
                .mapToLong(Outcome::millis).max().orElse(0);
        System.out.printf("postgres outage: %d requests, %d answered 503 (slowest %d ms), %d pushes acknowledged%n",
                outcomes.size(), unavailable(outcomes), slowest, acknowledged.size());
    }

    private static long unavailable(Queue<Outcome> outcomes) {
        return outcomes.stream().filter(o -> o.answer() != null && o.answer().status() == 503).count();
    }

    /** One image (config, layer, tagged manifest) pushed, then pulled back by tag; stops at a failed step. */
    private static void pushAndPull(int n, Queue<Outcome> outcomes, Queue<Acknowledged> acknowledged) {
        String repo = "outage/pg-" + (n % 5);
        byte[] config = FaultClient.config("pg-" + n);
        byte[] layer = FaultClient.random(64 * 1024, n);
        byte[] manifest = FaultClient.manifest(config, layer);
        String tag = "t" + n;
        List<Map.Entry<String, Step>> steps = List.of(
                Map.entry("config", () -> client.pushMonolithic(repo, config)),
                Map.entry("layer", () -> client.pushChunked(repo, layer, 16 * 1024)),
                Map.entry("manifest", () -> client.putManifest(repo, tag, manifest)),
                Map.entry("pull", () -> client.getManifest(repo, tag)));
        for (Map.Entry<String, Step> step : steps) {
            long started = System.nanoTime();
            Answer answer;
            try {
                answer = step.getValue().run();
            } catch (Exception e) {
                outcomes.add(new Outcome(step.getKey(), null, e, (System.nanoTime() - started) / 1_000_000));
                return;
            }
            outcomes.add(new Outcome(step.getKey(), answer, null, (System.nanoTime() - started) / 1_000_000));
            if (answer.status() >= 300) {
                return;
            }
            if (step.getKey().equals("manifest")) {
                acknowledged.add(new Acknowledged(repo, tag, manifest, layer));
            }
        }
    }

    private interface Step {
        Answer run() throws Exception;
    }

    private static boolean awaitUpTo(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }
}
