package io.stevedore.registry.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * A random sequence of pushes (images sharing layers across repositories and namespaces, indexes,
 * tag overwrites), manifest deletes, tag deletes, blob unlinks and repository deletes; after
 * every step the usage the API shows for each repository, each namespace and the site equals a
 * recount from scratch: from the manifests this test knows it pushed, and for the site from the
 * database's manifests; so it does after a compaction of the change rows, run at random steps.
 * The seed is in every failure message.
 */
class UsageRecountTest extends UsagePushes {
    private static final int STEPS = 90;
    private static final List<String> TAGS = List.of("1", "2", "latest");

    /** An object a manifest occupies: itself, its config, a layer. */
    record Held(String digest, long size) {
    }

    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    /** repository -> manifest digest -> what that manifest holds */
    private final Map<String, Map<String, Set<Held>>> model = new TreeMap<>();
    /** repository -> image manifests (descriptors), which indexes may name */
    private final Map<String, Map<String, Descriptor>> images = new TreeMap<>();
    private final Map<String, Map<String, String>> tags = new TreeMap<>();
    private final List<byte[]> layers = new ArrayList<>();
    private final List<byte[]> configs = new ArrayList<>();
    private List<String> namespaces;
    private List<String> repositories;

    @Test
    void usageEqualsARecountFromScratchAfterEveryStep() {
        TestUser alice = newUser("usage-alice");
        TestUser bob = newUser("usage-bob");
        String org = newOrganization("usage-org", alice);
        namespaces = List.of(alice.name(), bob.name(), org);
        repositories = List.of(alice.name() + "/app", alice.name() + "/lib", org + "/app", org + "/tools",
                bob.name() + "/app");
        for (int i = 0; i < 8; i++) {
            byte[] layer = new byte[1 + random.nextInt(20_000)];
            random.nextBytes(layer);
            layers.add(layer);
        }
        for (int i = 0; i < 4; i++) {
            configs.add(("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"" + seed + "\",\"n\":" + i + "}")
                    .getBytes(StandardCharsets.UTF_8));
        }

        UsageCompaction compaction = authContext().getBean(UsageCompaction.class);
        for (int step = 0; step < STEPS; step++) {
            String done = step(random.nextInt(100));
            checkUsage("step " + step + " (" + done + "), seed " + seed);
            if (random.nextInt(4) == 0) { // folding the change rows the figures are sums of changes none
                compaction.compact();
                checkUsage("step " + step + " (" + done + ") and a compaction, seed " + seed);
            }
        }
        for (String repository : repositories) {
            deleteRepository(repository);
        }
        checkUsage("after deleting every repository, seed " + seed);
        for (String namespace : namespaces) {
            assertThat(namespaceUsage(namespace)).isZero();
        }
    }

    private String step(int dice) {
        String repository = repositories.get(random.nextInt(repositories.size()));
        if (dice < 40) {
            return pushImage(repository);
        }
        if (dice < 55) {
            return images.getOrDefault(repository, Map.of()).isEmpty() ? pushImage(repository) : pushIndex(repository);
        }
        Map<String, Set<Held>> manifests = model.getOrDefault(repository, Map.of());
        if (manifests.isEmpty()) {
            return pushImage(repository);
        }
        if (dice < 72) {
            String digest = pick(new ArrayList<>(manifests.keySet()));
            delete(adminBasic(), "/v2/" + repository + "/manifests/" + digest);
            manifests.remove(digest);
            images.getOrDefault(repository, new TreeMap<>()).remove(digest);
            tags.getOrDefault(repository, new TreeMap<>()).values().removeIf(digest::equals);
            return "delete manifest " + digest + " of " + repository;
        }
        if (dice < 84) {
            Map<String, String> tagged = tags.getOrDefault(repository, new TreeMap<>());
            if (tagged.isEmpty()) {
                return pushImage(repository);
            }
            String tag = pick(new ArrayList<>(tagged.keySet()));
            delete(adminBasic(), "/v2/" + repository + "/manifests/" + tag);
            tagged.remove(tag);
            return "delete tag " + repository + ":" + tag;
        }
        if (dice < 92) {
            // unlinking a blob a manifest uses changes nothing: usage follows manifests
            Held blob = pick(new ArrayList<>(pick(new ArrayList<>(manifests.values()))));
            Response unlinked = send("DELETE", "/v2/" + repository + "/blobs/" + blob.digest(), null,
                    "Authorization", adminBasic());
            assertThat(unlinked.status()).isIn(202, 404);
            return "unlink blob " + blob.digest() + " from " + repository;
        }
        deleteRepository(repository);
        return "delete repository " + repository;
    }

    private String pushImage(String repository) {
        Descriptor config = upload(adminBasic(), repository, pick(configs), "application/vnd.oci.image.config.v1+json");
        List<Descriptor> chosen = new ArrayList<>();
        Set<Held> held = new HashSet<>(Set.of(new Held(config.digest(), config.size())));
        int count = random.nextInt(4);
        for (int i = 0; i < count; i++) {
            Descriptor layer = upload(adminBasic(), repository, pick(layers),
                    "application/vnd.oci.image.layer.v1.tar+gzip");
            chosen.add(layer);
            held.add(new Held(layer.digest(), layer.size()));
        }
        byte[] manifest = imageManifest(config, chosen);
        Descriptor pushed = Descriptor.of(manifest, IMAGE);
        held.add(new Held(pushed.digest(), pushed.size()));
        String reference = push(repository, manifest, IMAGE);
        model.computeIfAbsent(repository, r -> new TreeMap<>()).put(pushed.digest(), held);
        images.computeIfAbsent(repository, r -> new TreeMap<>()).put(pushed.digest(), pushed);
        return "push image " + repository + ":" + reference + " (" + chosen.size() + " layers)";
    }

    private String pushIndex(String repository) {
        List<Descriptor> candidates = new ArrayList<>(images.get(repository).values());
        List<Descriptor> children = new ArrayList<>();
        for (int i = 0; i < 1 + random.nextInt(2); i++) {
            Descriptor child = pick(candidates);
            if (!children.contains(child)) {
                children.add(child);
            }
        }
        byte[] index = indexManifest(children, "n" + random.nextInt(2));
        Descriptor pushed = Descriptor.of(index, INDEX);
        String reference = push(repository, index, INDEX);
        model.computeIfAbsent(repository, r -> new TreeMap<>())
                .put(pushed.digest(), Set.of(new Held(pushed.digest(), pushed.size())));
        return "push index " + repository + ":" + reference + " of " + children.size();
    }

    /** Under one of a few tags (so tags get overwritten) or by digest. */
    private String push(String repository, byte[] manifest, String mediaType) {
        String digest = sha256(manifest);
        String reference = random.nextInt(5) == 0 ? digest : pick(TAGS);
        Response put = putManifest(adminBasic(), repository, reference, manifest, mediaType);
        assertThat(put.status()).as("push %s:%s, seed %d: %s", repository, reference, seed, put.body())
                .isEqualTo(201);
        if (!reference.equals(digest)) {
            tags.computeIfAbsent(repository, r -> new TreeMap<>()).put(reference, digest);
        }
        return reference;
    }

    /** The way any repository deletion goes: one row, its manifests by the cascade. */
    private void deleteRepository(String repository) {
        authContext().getBean(JdbcClient.class).sql("delete from repositories where name = ?").param(repository)
                .update();
        model.remove(repository);
        images.remove(repository);
        tags.remove(repository);
    }

    private void checkUsage(String when) {
        for (String namespace : namespaces) {
            Map<String, Long> expectedRepositories = new LinkedHashMap<>();
            Set<Held> inNamespace = new HashSet<>();
            model.forEach((repository, manifests) -> {
                if (repository.startsWith(namespace + "/") && !manifests.isEmpty()) {
                    Set<Held> inRepository = new HashSet<>();
                    manifests.values().forEach(inRepository::addAll);
                    expectedRepositories.put(repository, bytes(inRepository));
                    inNamespace.addAll(inRepository);
                }
            });
            JsonNode usage = api(200, "GET", "/api/v1/namespaces/" + namespace + "/usage", null, adminBasic()).json();
            assertThat(usage.get("usageBytes").asLong()).as("namespace %s, %s", namespace, when)
                    .isEqualTo(bytes(inNamespace));
            Map<String, Long> shown = new LinkedHashMap<>();
            usage.get("repositories").forEach(r -> shown.put(r.get("name").asString(), r.get("usageBytes").asLong()));
            assertThat(shown).as("repositories of %s, %s", namespace, when).isEqualTo(expectedRepositories);
            expectedRepositories.forEach((repository, bytes) -> assertThat(
                    api(200, "GET", "/api/v1/repositories/" + repository, null, adminBasic()).json()
                            .get("usageBytes").asLong()).as("repository %s, %s", repository, when).isEqualTo(bytes));
        }
        long site = api(200, "GET", "/api/v1/usage", null, adminBasic()).json().get("totalBytes").asLong();
        assertThat(site).as("site total, %s", when).isEqualTo(siteRecount());
    }

    /** The site's usage recounted from the manifests in the database, sharing nothing with the server's figures. */
    private static long siteRecount() {
        return authContext().getBean(JdbcClient.class).sql("""
                select coalesce(sum(size), 0) from (
                    select m.digest, m.size from manifests m
                    union
                    select r.digest, coalesce(b.size, 0) from manifest_references r
                    left join blobs b on b.digest = r.digest where r.kind in ('config', 'layer')) objects""")
                .query(Long.class).single();
    }

    private static long bytes(Set<Held> held) {
        return held.stream().mapToLong(Held::size).sum();
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }
}
