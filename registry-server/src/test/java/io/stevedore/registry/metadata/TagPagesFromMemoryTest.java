package io.stevedore.registry.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.RegistryTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Tag pages come from the replica's memory while the repository's tag stamp (migration V17) is
 * the one they were read with, and a change made anywhere moves the stamp. Changes are made here
 * in plain SQL, as another replica's statements would be, bypassing this replica's TagStore.
 */
class TagPagesFromMemoryTest extends RegistryTestSupport {
    private JdbcClient jdbc;
    private TagStore tags;
    private TransactionTemplate transaction;

    @BeforeEach
    void server() {
        assumeTrue(context() != null, "needs the registry's own database (not an external registry)");
        jdbc = context().getBean(JdbcClient.class);
        tags = context().getBean(TagStore.class);
        transaction = new TransactionTemplate(context().getBean(PlatformTransactionManager.class));
    }

    @Test
    void aTagChangedThroughAnotherReplicaIsListedByTheNextPage() {
        String repository = repository("a", "b", "c");
        assertThat(tags.page(repository, null, 2)).isEqualTo(new NamePage("[\"a\", \"b\"]", 2, "b", true));
        assertThat(tags.page(repository, "b", 2)).isEqualTo(new NamePage("[\"c\"]", 1, "c", false));

        tag(repository, "bb");
        assertThat(tags.page(repository, "b", 2)).isEqualTo(new NamePage("[\"bb\", \"c\"]", 2, "c", false));

        jdbc.sql("delete from tags where name = 'a' and repository_id = (select id from repositories where name = ?)")
                .param(repository).update();
        assertThat(tags.page(repository, null, 2)).isEqualTo(new NamePage("[\"b\", \"bb\"]", 2, "bb", true));

        jdbc.sql("delete from repositories where name = ?").param(repository).update();
        assertThat(tags.page(repository, null, 2).size()).isZero();
        createRepository(repository, "z");
        assertThat(tags.page(repository, null, 2)).isEqualTo(new NamePage("[\"z\"]", 1, "z", false));
    }

    @Test
    void aDeletedManifestsTagsLeaveThePageAtOnce() {
        String repository = repository("keep");
        jdbc.sql("""
                with m as (insert into manifests (repository_id, digest, media_type, size, content)
                           select id, 'sha256:' || repeat('0', 64), 'application/vnd.oci.image.manifest.v1+json', 2,
                                  '{}'::bytea
                           from repositories where name = ? returning id, repository_id)
                insert into tags (repository_id, name, manifest_id) select repository_id, 'gone', id from m""")
                .param(repository).update();
        assertThat(tags.page(repository, null, 10).size()).isEqualTo(2);
        jdbc.sql("""
                delete from manifests where digest = 'sha256:' || repeat('0', 64)
                and repository_id = (select id from repositories where name = ?)""")
                .param(repository).update();
        assertThat(tags.page(repository, null, 10)).isEqualTo(new NamePage("[\"keep\"]", 1, "keep", false));
    }

    /**
     * Proof that an unchanged repository's page is not read again: a row written with the stamp's
     * trigger off (which no registry statement does) leaves the stamp alone and stays unlisted until
     * the next real change moves it.
     */
    @Test
    void anUnchangedRepositorysPageIsServedFromMemory() {
        String repository = repository("a", "b");
        assertThat(tags.page(repository, null, 10).json()).isEqualTo("[\"a\", \"b\"]");
        transaction.executeWithoutResult(status -> {
            // only for this transaction's statement: the trigger is on again when it commits
            jdbc.sql("alter table tags disable trigger tags_inserted_stamp").update();
            tag(repository, "c");
            jdbc.sql("alter table tags enable trigger tags_inserted_stamp").update();
        });
        assertThat(tags.page(repository, null, 10).json()).isEqualTo("[\"a\", \"b\"]");

        tag(repository, "d");
        assertThat(tags.page(repository, null, 10).json()).isEqualTo("[\"a\", \"b\", \"c\", \"d\"]");
    }

    @Test
    void aRepositoryPushedIntoFasterThanTheFoldIsFoldedByItsNextPage() {
        String repository = repository();
        for (int i = 0; i < 40; i++) {
            tag(repository, "t" + (100 + i));
        }
        assertThat(changeRows(repository)).isEqualTo(40);
        long sum = stamp(repository);

        assertThat(tags.page(repository, null, 1000).size()).isEqualTo(40);
        assertThat(changeRows(repository)).isEqualTo(1);
        assertThat(stamp(repository)).isEqualTo(sum);
    }

    @Test
    void foldsBesideConcurrentChangesKeepEveryChange() throws Exception {
        String repository = repository();
        long id = jdbc.sql("select id from repositories where name = ?").param(repository).query(Long.class).single();
        long before = stamp(repository);
        AtomicBoolean writing = new AtomicBoolean(true);
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        tag(repository, "w" + writer + "-" + i);
                    }
                }));
            }
            List<Future<?>> folders = List.of(
                    pool.submit(() -> {
                        while (writing.get()) {
                            tags.foldChanges();
                        }
                    }),
                    pool.submit(() -> {
                        while (writing.get()) {
                            tags.foldChanges(id);
                            assertThat(tags.page(repository, null, 1000).size()).isBetween(0, 200);
                        }
                    }));
            for (Future<?> writer : writers) {
                writer.get();
            }
            writing.set(false);
            for (Future<?> folder : folders) {
                folder.get();
            }
        }
        assertThat(stamp(repository)).isEqualTo(before + 200);
        assertThat(tags.page(repository, null, 1000).size()).isEqualTo(200);
    }

    /** A repository with one manifest and the given tags on it (one statement, one change row). */
    private String repository(String... tagNames) {
        String repository = "stamps/" + UUID.randomUUID();
        createRepository(repository, tagNames);
        return repository;
    }

    private void createRepository(String repository, String... tagNames) {
        jdbc.sql("insert into repositories (name) values (?)").param(repository).update();
        jdbc.sql("""
                insert into manifests (repository_id, digest, media_type, size, content)
                select id, 'sha256:' || md5(name) || md5(name), 'application/vnd.oci.image.manifest.v1+json', 2,
                       '{}'::bytea
                from repositories where name = ?""").param(repository).update();
        tag(repository, tagNames);
    }

    private void tag(String repository, String... tagNames) {
        jdbc.sql("""
                insert into tags (repository_id, name, manifest_id)
                select m.repository_id, n, m.id from manifests m join repositories r on r.id = m.repository_id,
                       unnest(?::text[]) n
                where r.name = ?""").params(tagNames, repository).update();
    }

    private long changeRows(String repository) {
        return jdbc.sql("""
                select count(*) from tag_changes where repository_id = (select id from repositories where name = ?)""")
                .param(repository).query(Long.class).single();
    }

    private long stamp(String repository) {
        return jdbc.sql("""
                select coalesce(sum(changes), 0) from tag_changes
                where repository_id = (select id from repositories where name = ?)""")
                .param(repository).query(Long.class).single();
    }
}
