package io.stevedore.registry.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Pushes into one namespace no longer wait on each other for its usage figures (migration V12),
 * so the figures must stay exact when pushes and deletes of manifests that share blobs run at the
 * same time, with the compaction folding their change rows in between: afterwards every figure
 * equals a recount from the database's manifests, and every object's holder count equals the
 * manifests that hold it.
 */
class ConcurrentUsageTest extends UsagePushes {
    private static final int CLIENTS = 8;
    private static final int OPERATIONS_PER_CLIENT = 120;

    private final long seed = System.nanoTime();

    @Test
    void concurrentPushesAndDeletesOfManifestsSharingBlobsKeepUsageExact() throws Exception {
        TestUser owner = newUser("concurrent-usage");
        String namespace = newOrganization("concurrent-usage", owner);
        List<String> repositories = List.of(namespace + "/a", namespace + "/b", namespace + "/c");
        Random random = new Random(seed);
        List<Descriptor> layers = new ArrayList<>();
        Descriptor config = null;
        for (String repository : repositories) {
            config = upload(adminBasic(), repository, "{\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8),
                    "application/vnd.oci.image.config.v1+json");
            for (int i = 0; i < 4; i++) {
                byte[] layer = new byte[1000 + i * 1000];
                new Random(i).nextBytes(layer);
                Descriptor uploaded = upload(adminBasic(), repository, layer, "application/vnd.oci.image.layer.v1.tar");
                if (layers.size() < 4) {
                    layers.add(uploaded);
                }
            }
        }
        Descriptor sharedConfig = config;
        UsageCompaction compaction = authContext().getBean(UsageCompaction.class);
        AtomicBoolean pushing = new AtomicBoolean(true);
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        Map<String, Integer> pushes = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS + 1);
        try {
            Future<?> compacting = clients.submit(() -> {
                while (pushing.get()) {
                    compaction.compact();
                }
                return null;
            });
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Random own = new Random(random.nextLong());
                int client = c;
                running.add(clients.submit(() -> {
                    List<String[]> mine = new ArrayList<>(); // repository, digest
                    for (int op = 0; op < OPERATIONS_PER_CLIENT; op++) {
                        String repository = repositories.get(own.nextInt(repositories.size()));
                        if (!mine.isEmpty() && own.nextBoolean()) {
                            String[] gone = mine.remove(own.nextInt(mine.size()));
                            Response deleted = send("DELETE", "/v2/" + gone[0] + "/manifests/" + gone[1], null,
                                    "Authorization", adminBasic());
                            if (deleted.status() != 202) {
                                failures.add("DELETE " + gone[1] + ": " + deleted.status() + " " + deleted.body());
                            }
                            continue;
                        }
                        List<Descriptor> chosen = new ArrayList<>(layers);
                        Collections.shuffle(chosen, own);
                        byte[] manifest = withNote(imageManifest(sharedConfig, chosen.subList(0, 1 + own.nextInt(4))),
                                client + "-" + op);
                        String reference = own.nextBoolean() ? sha256(manifest) : "t" + own.nextInt(5);
                        Response put = putManifest(adminBasic(), repository, reference, manifest, IMAGE);
                        if (put.status() != 201) {
                            failures.add("PUT " + repository + ":" + reference + ": " + put.status() + " " + put.body());
                        } else {
                            mine.add(new String[] {repository, sha256(manifest)});
                            pushes.merge(repository, 1, Integer::sum);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get(5, TimeUnit.MINUTES);
            }
            pushing.set(false);
            compacting.get(1, TimeUnit.MINUTES);
        } finally {
            pushing.set(false);
            clients.shutdownNow();
        }
        assertThat(failures).as("seed %d", seed).isEmpty();
        assertThat(pushes).as("every repository was pushed to").hasSize(3);

        assertExact(namespace, repositories, "after the concurrent pushes and deletes, seed " + seed);
        compaction.compact();
        assertExact(namespace, repositories, "after a compaction, seed " + seed);
        authContext().getBean(JdbcClient.class).sql("delete from repositories where name = ?")
                .param(repositories.getFirst()).update();
        assertExact(namespace, repositories.subList(1, 3), "after deleting " + repositories.getFirst());
        compaction.compact();
        assertExact(namespace, repositories.subList(1, 3), "after deleting and a compaction");
    }

    /**
     * The same image pushed to and deleted from several repositories of a namespace at once, in
     * rounds that start together: two repositories dropping their last holder of a shared layer
     * at the same moment, a push of an image into one repository while it is deleted from
     * another, and at the end the repositories deleted together. Each of these once failed (a
     * check violation, deadlocks) while the figures stayed right, so: no request may fail.
     */
    @Test
    void oneImagePushedToAndDeletedFromRepositoriesOfANamespaceAtOnceNeverFails() throws Exception {
        TestUser owner = newUser("shared-usage");
        String namespace = newOrganization("shared-usage", owner);
        int repositoryCount = 4;
        List<String> repositories = new ArrayList<>();
        List<Descriptor> layers = new ArrayList<>();
        Descriptor config = null;
        for (int r = 0; r < repositoryCount; r++) {
            String repository = namespace + "/r" + r;
            repositories.add(repository);
            config = upload(adminBasic(), repository, "{\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8),
                    "application/vnd.oci.image.config.v1+json");
            layers.clear();
            for (int i = 0; i < 3; i++) {
                byte[] layer = new byte[3000 + i];
                new Random(100 + i).nextBytes(layer);
                layers.add(upload(adminBasic(), repository, layer, "application/vnd.oci.image.layer.v1.tar"));
            }
        }
        byte[][] images = new byte[3][];
        for (int i = 0; i < images.length; i++) {
            images[i] = withNote(imageManifest(config, layers.subList(0, 1 + i)), "image-" + i);
        }
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CyclicBarrier rounds = new java.util.concurrent.CyclicBarrier(repositoryCount);
        ExecutorService clients = Executors.newFixedThreadPool(repositoryCount);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int r = 0; r < repositoryCount; r++) {
                String repository = repositories.get(r);
                running.add(clients.submit(() -> {
                    for (int round = 0; round < 30; round++) {
                        byte[] image = images[round % images.length];
                        rounds.await(1, TimeUnit.MINUTES);
                        Response put = putManifest(adminBasic(), repository, "t", image, IMAGE);
                        if (put.status() != 201) {
                            failures.add("PUT " + repository + ": " + put.status() + " " + put.body());
                        }
                        rounds.await(1, TimeUnit.MINUTES);
                        Response deleted = send("DELETE", "/v2/" + repository + "/manifests/" + sha256(image), null,
                                "Authorization", adminBasic());
                        if (deleted.status() != 202) {
                            failures.add("DELETE " + repository + ": " + deleted.status() + " " + deleted.body());
                        }
                        Response again = putManifest(adminBasic(), repository, "t", images[(round + 1) % images.length],
                                IMAGE);
                        if (again.status() != 201) {
                            failures.add("PUT again " + repository + ": " + again.status() + " " + again.body());
                        }
                    }
                    rounds.await(1, TimeUnit.MINUTES);
                    Response gone = send("DELETE", "/api/v1/repositories/" + repository, null,
                            "Authorization", adminBasic());
                    if (gone.status() != 204) {
                        failures.add("DELETE repository " + repository + ": " + gone.status() + " " + gone.body());
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get(5, TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(failures).isEmpty();
        assertExact(namespace, List.of(), "after deleting every repository");
        assertThat(namespaceUsage(namespace)).isZero();
    }

    private static byte[] withNote(byte[] manifest, String note) {
        String json = new String(manifest, StandardCharsets.UTF_8);
        return (json.substring(0, json.length() - 1) + ",\"annotations\":{\"note\":\"" + note + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void assertExact(String namespace, List<String> repositories, String when) {
        JdbcClient jdbc = authContext().getBean(JdbcClient.class);
        assertThat(namespaceUsage(namespace)).as("namespace, %s", when).isEqualTo(recount(jdbc, namespace + "/%"));
        for (String repository : repositories) {
            long shown = api(200, "GET", "/api/v1/repositories/" + repository, null, adminBasic()).json()
                    .get("usageBytes").asLong();
            assertThat(shown).as("repository %s, %s", repository, when).isEqualTo(recount(jdbc, repository));
        }
        // every object row's holders (with the changes not folded yet) are the manifests holding it
        List<String> wrongHolders = jdbc.sql("""
                with actual as (
                    select m.repository_id, held.digest, count(*) as n
                    from manifests m
                    cross join lateral (select m.digest union all
                                        select r.digest from manifest_references r
                                        where r.manifest_id = m.id and r.kind in ('config', 'layer')) held
                    join repositories rp on rp.id = m.repository_id and rp.name like ?
                    group by m.repository_id, held.digest),
                recorded as (
                    select ro.repository_id, ro.digest,
                           ro.holders + coalesce((select sum(h.holders) from repository_usage_holder_changes h
                                                  where h.repository_id = ro.repository_id and h.digest = ro.digest), 0) as n
                    from repository_usage_objects ro
                    join repository_usage ru on ru.repository_id = ro.repository_id and ru.namespace = ?)
                select coalesce(a.digest, r.digest) || ': ' || coalesce(a.n, 0) || ' held, ' || coalesce(r.n, 0) || ' recorded'
                from actual a full join recorded r on r.repository_id = a.repository_id and r.digest = a.digest
                where a.n is distinct from r.n""").params(namespace + "/%", namespace).query(String.class).list();
        assertThat(wrongHolders).as("holder counts, %s", when).isEmpty();
    }

    /** The bytes the repositories matching {@code pattern} hold, each object once. */
    private static long recount(JdbcClient jdbc, String pattern) {
        return jdbc.sql("""
                select coalesce(sum(size), 0) from (
                    select m.digest, m.size from manifests m join repositories rp on rp.id = m.repository_id
                    where rp.name like ?
                    union
                    select r.digest, coalesce(b.size, 0) from manifest_references r
                    join manifests m on m.id = r.manifest_id join repositories rp on rp.id = m.repository_id
                    left join blobs b on b.digest = r.digest
                    where rp.name like ? and r.kind in ('config', 'layer')) objects""")
                .params(pattern, pattern).query(Long.class).single();
    }
}
