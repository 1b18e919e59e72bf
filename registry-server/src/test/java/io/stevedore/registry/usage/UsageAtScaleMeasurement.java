package io.stevedore.registry.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Not a test: figures for the README's choice of maintained counts over recounts, with a
 * namespace of 10,000 manifests (config and 3 layers each, from 2,000 shared layers) in two
 * repositories. Runs only with {@code -Dstevedore.measure=true}; prints what it measured.
 */
class UsageAtScaleMeasurement extends AuthRegistryTestSupport {
    private static final int MANIFESTS = 10_000;
    private static final int LAYERS = 2_000;

    @Test
    void measure() {
        Assumptions.assumeTrue(Boolean.getBoolean("stevedore.measure"), "-Dstevedore.measure=true");
        JdbcClient jdbc = authContext().getBean(JdbcClient.class);
        String namespace = "measure-" + UUID.randomUUID().toString().substring(0, 8);
        long[] repositories = {repository(jdbc, namespace + "/a"), repository(jdbc, namespace + "/b")};
        jdbc.sql("""
                insert into blobs (digest, size)
                select 'sha256:' || encode(sha256(convert_to(? || 'layer' || g, 'UTF8')), 'hex'), 1000 + g
                from generate_series(1, ?) g""").params(namespace, LAYERS).update();

        long start = System.nanoTime();
        for (int i = 0; i < MANIFESTS; i++) {
            insertManifest(jdbc, namespace, repositories[i % 2], i);
        }
        double insertMs = (System.nanoTime() - start) / 1e6 / MANIFESTS;

        String recount = """
                select coalesce(sum(size), 0) from (
                    select m.digest, m.size from manifests m join repositories r on r.id = m.repository_id
                    where starts_with(r.name, ? || '/')
                    union
                    select mr.digest, coalesce(b.size, 0) from manifest_references mr
                    join manifests m on m.id = mr.manifest_id join repositories r on r.id = m.repository_id
                    left join blobs b on b.digest = mr.digest
                    where starts_with(r.name, ? || '/') and mr.kind in ('config', 'layer')) objects""";
        UsageStore usage = authContext().getBean(UsageStore.class);
        long recounted = 0;
        start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            recounted = jdbc.sql(recount).params(namespace, namespace).query(Long.class).single();
        }
        double recountMs = (System.nanoTime() - start) / 1e6 / 10;
        start = System.nanoTime();
        long maintained = 0;
        for (int i = 0; i < 100; i++) {
            maintained = usage.namespace(namespace).usageBytes();
        }
        double readMs = (System.nanoTime() - start) / 1e6 / 100;
        List<String> blobs = List.of(layer(namespace, 1), layer(namespace, 2), layer(namespace, 3));
        start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            usage.bytesNewTo(namespace, "sha256:" + "0".repeat(64), 500, blobs);
        }
        double newBytesMs = (System.nanoTime() - start) / 1e6 / 100;
        start = System.nanoTime();
        long site = usage.siteBytes();
        double siteMs = (System.nanoTime() - start) / 1e6;
        assertThat(maintained).isEqualTo(recounted);

        start = System.nanoTime();
        jdbc.sql("delete from repositories where name = ?").param(namespace + "/a").update();
        double deleteMs = (System.nanoTime() - start) / 1e6;
        assertThat(usage.namespace(namespace).usageBytes())
                .isEqualTo(jdbc.sql(recount).params(namespace, namespace).query(Long.class).single());
        System.out.printf("""
                usage at scale (%d manifests, %d layers, namespace %s; shared 2-core machine):
                  manifest insert incl. triggers  %.2f ms each
                  recount of the namespace        %.1f ms
                  maintained namespace figure     %.2f ms
                  bytes a manifest adds (quota)   %.2f ms
                  site total (%d bytes)   %.1f ms
                  delete a repository of %d manifests  %.0f ms
                """, MANIFESTS, LAYERS, namespace, insertMs, recountMs, readMs, newBytesMs, site, siteMs,
                MANIFESTS / 2, deleteMs);
    }

    private static long repository(JdbcClient jdbc, String name) {
        return jdbc.sql("insert into repositories (name) values (?) returning id").param(name).query(Long.class).single();
    }

    private static String layer(String namespace, int n) {
        return io.stevedore.oci.Digest.sha256((namespace + "layer" + n).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
    }

    /** What ManifestStore.insert does, in SQL: the row and its references in one statement (V16 counts them there). */
    private static void insertManifest(JdbcClient jdbc, String namespace, long repositoryId, int i) {
        List<String> digests = new ArrayList<>();
        digests.add(layer(namespace, 1 + (i % LAYERS))); // as config
        for (int l = 1; l <= 3; l++) {
            digests.add(layer(namespace, 1 + ((i * 7 + l * 13) % LAYERS)));
        }
        jdbc.sql("""
                with m as (
                    insert into manifests (repository_id, digest, media_type, size, content)
                    values (?, 'sha256:' || encode(sha256(convert_to(? || 'manifest' || ?, 'UTF8')), 'hex'),
                            'application/vnd.oci.image.manifest.v1+json', 700, '\\x00')
                    returning id)
                insert into manifest_references (manifest_id, position, kind, digest, media_type, size)
                select m.id, r.ordinality - 1, case when r.ordinality = 1 then 'config' else 'layer' end, r.digest,
                       'application/octet-stream', 0
                from m, unnest(?::text[]) with ordinality as r(digest, ordinality)""")
                .params(repositoryId, namespace, i, digests.toArray(String[]::new)).update();
    }
}
