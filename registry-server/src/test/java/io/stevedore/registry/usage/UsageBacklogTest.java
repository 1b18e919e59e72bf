package io.stevedore.registry.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Pushes into a namespace without a quota leave their counting in the backlog (V18), and every
 * figure read is still exact: reads, deletes, a quota being set and the scheduled drain count it
 * first. Pushes into a namespace with a quota are counted at once.
 */
class UsageBacklogTest extends UsagePushes {
    /** Uploads an image (a 3,000-byte layer of its own, then {@code sharedLayers}) and pushes it under a tag. */
    private Image pushImage(String authorization, String repository, Descriptor... sharedLayers) {
        Image image = uploadImage(authorization, repository, 3000, sharedLayers);
        assertThat(putManifest(authorization, repository, "t" + random.nextInt(1_000_000), image.manifest(), IMAGE).status())
                .isEqualTo(201);
        return image;
    }

    private static JdbcClient jdbc() {
        return authContext().getBean(JdbcClient.class);
    }

    private static long backlogRows(String namespace) {
        return jdbc().sql("select count(*) from usage_backlog where namespace = ?").param(namespace)
                .query(Long.class).single();
    }

    /** The namespace's figure as its change rows sum it, without the draining every read of UsageStore does. */
    private static long countedBytes(String namespace) {
        return jdbc().sql("select coalesce(sum(namespace_bytes), 0) from usage_changes where namespace = ?")
                .param(namespace).query(Long.class).single();
    }

    @Test
    void aPushIntoANamespaceWithoutAQuotaIsCountedWhenItsUsageIsRead() {
        TestUser alice = newUser("backlog");
        Image image = pushImage(alice.basic(), alice.name() + "/app");
        assertThat(backlogRows(alice.name())).as("the push's counting, deferred").isPositive();
        assertThat(countedBytes(alice.name())).isZero();

        assertThat(namespaceUsage(alice.name())).isEqualTo(image.adds());
        assertThat(backlogRows(alice.name())).as("drained by the read").isZero();
        assertThat(countedBytes(alice.name())).isEqualTo(image.adds());
    }

    @Test
    void settingAQuotaCountsTheBacklogAndEveryLaterPushAtOnce() {
        TestUser alice = newUser("backlog");
        Image first = pushImage(alice.basic(), alice.name() + "/app");
        api(200, "PUT", "/api/v1/namespaces/" + alice.name() + "/quota", Map.of("limitBytes", 1_000_000), adminBasic());
        assertThat(backlogRows(alice.name())).isZero();
        assertThat(countedBytes(alice.name())).isEqualTo(first.adds());

        Image second = pushImage(alice.basic(), alice.name() + "/app");
        assertThat(backlogRows(alice.name())).as("a push under a quota defers nothing").isZero();
        assertThat(countedBytes(alice.name())).isEqualTo(first.adds() + second.adds());
    }

    @Test
    void aDeleteCountsTheBacklogBeforeItsOwnRemoval() {
        TestUser alice = newUser("backlog");
        String repository = alice.name() + "/app";
        byte[] sharedBytes = new byte[5000];
        random.nextBytes(sharedBytes);
        Descriptor shared = upload(alice.basic(), repository, sharedBytes, "application/vnd.oci.image.layer.v1.tar");
        Image first = pushImage(alice.basic(), repository, shared);
        Image second = pushImage(alice.basic(), repository, shared);
        assertThat(backlogRows(alice.name())).isPositive();

        delete(alice.basic(), "/v2/" + repository + "/manifests/" + first.digest());
        assertThat(backlogRows(alice.name())).as("drained by the delete").isZero();
        // the shared layer stays, held by the second manifest
        assertThat(countedBytes(alice.name())).isEqualTo(second.adds() + shared.size());
        assertThat(namespaceUsage(alice.name())).isEqualTo(second.adds() + shared.size());

        delete(alice.basic(), "/v2/" + repository + "/manifests/" + second.digest());
        assertThat(namespaceUsage(alice.name())).isZero();
        assertThat(jdbc().sql("select count(*) from namespace_usage_objects where namespace = ?").param(alice.name())
                .query(Long.class).single()).as("objects still counted").isZero();
    }

    @Test
    void aQuotaSetByAnyMeansCountsTheBacklogFirst() {
        TestUser alice = newUser("backlog");
        Image image = pushImage(alice.basic(), alice.name() + "/app");
        // as a replica of the previous version sets it: a plain insert (the trigger drains)
        jdbc().sql("insert into namespace_quotas (namespace, limit_bytes) values (?, 1000000)").param(alice.name())
                .update();
        assertThat(backlogRows(alice.name())).isZero();
        assertThat(countedBytes(alice.name())).isEqualTo(image.adds());
    }

    @Test
    void aReadWhilePushesAreUnderWayShowsTheLastCountInsteadOfWaitingForThem() throws Exception {
        TestUser alice = newUser("backlog");
        Image image = pushImage(alice.basic(), alice.name() + "/app");
        DataSource dataSource = authContext().getBean(DataSource.class);
        try (Connection push = dataSource.getConnection()) {
            push.setAutoCommit(false);
            try (PreparedStatement share = push.prepareStatement("select usage_share_namespace(?)")) {
                share.setString(1, alice.name()); // what a push holds from its manifest's statement to its commit
                share.executeQuery().close();
            }
            try (ExecutorService reader = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Long> read = reader.submit(() -> namespaceUsage(alice.name()));
                // a liveness bound, not a timing one: a read that waited would wait until the rollback below
                assertThat(read.get(60, TimeUnit.SECONDS)).as("the figure as last counted").isZero();
            }
            push.rollback();
        }
        assertThat(namespaceUsage(alice.name())).isEqualTo(image.adds());
    }

    /**
     * A delete drains once per transaction, unless the same transaction has since added to the
     * backlog: a manifest inserted and deleted after an earlier delete must still be counted
     * before it is removed, or its count would arrive after its removal and never go.
     */
    @Test
    void aManifestInsertedAfterADeleteInOneTransactionIsCountedBeforeItsOwnDelete() {
        TestUser alice = newUser("backlog");
        Image image = pushImage(alice.basic(), alice.name() + "/app");
        JdbcClient jdbc = jdbc();
        long repository = jdbc.sql("select id from repositories where name = ?").param(alice.name() + "/app")
                .query(Long.class).single();
        new TransactionTemplate(authContext().getBean(PlatformTransactionManager.class)).executeWithoutResult(status -> {
            jdbc.sql("delete from manifests where repository_id = ?").param(repository).update();
            long added = jdbc.sql("""
                    insert into manifests (repository_id, digest, media_type, size, content)
                    values (?, ?, ?, 500, '\\x00') returning id""")
                    .params(repository, sha256(("later " + alice.name()).getBytes(StandardCharsets.UTF_8)), IMAGE)
                    .query(Long.class).single();
            jdbc.sql("delete from manifests where id = ?").param(added).update();
        });
        assertThat(namespaceUsage(alice.name())).isZero();
        assertThat(backlogRows(alice.name())).isZero();
        assertThat(jdbc.sql("select count(*) from repository_usage_objects where repository_id = ?").param(repository)
                .query(Long.class).single()).as("objects still counted").isZero();
        assertThat(image.adds()).isPositive();
    }

    @Test
    void theScheduledDrainCountsEveryNamespacesBacklog() {
        TestUser alice = newUser("backlog");
        TestUser bob = newUser("backlog");
        Image forAlice = pushImage(alice.basic(), alice.name() + "/app");
        Image forBob = pushImage(bob.basic(), bob.name() + "/tools/cli");

        authContext().getBean(UsageCompaction.class).drainScheduled();

        assertThat(backlogRows(alice.name()) + backlogRows(bob.name())).isZero();
        assertThat(countedBytes(alice.name())).isEqualTo(forAlice.adds());
        assertThat(countedBytes(bob.name())).isEqualTo(forBob.adds());
    }
}
