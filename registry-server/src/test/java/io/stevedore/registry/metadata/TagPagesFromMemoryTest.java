package io.stevedore.registry.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stevedore.registry.RegistryTestSupport;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * the one they were read with, and a change of its tag names made anywhere moves the stamp.
 * Changes are made here in plain SQL, as another replica's statements would be, or through
 * {@link TagStore}; either way past this replica's {@link TagPages}.
 */
class TagPagesFromMemoryTest extends RegistryTestSupport {
    private JdbcClient jdbc;
    private TagPages pages;
    private TagStore tags;
    private TransactionTemplate transaction;

    @BeforeEach
    void server() {
        assumeTrue(context() != null, "needs the registry's own database (not an external registry)");
        jdbc = context().getBean(JdbcClient.class);
        pages = context().getBean(TagPages.class);
        tags = context().getBean(TagStore.class);
        transaction = new TransactionTemplate(context().getBean(PlatformTransactionManager.class));
    }

    @Test
    void aTagChangedThroughAnotherReplicaIsListedByTheNextPage() {
        String repository = repository("a", "b", "c");
        assertThat(page(repository, null, 2)).isEqualTo(new NamePage("[\"a\", \"b\"]", 2, "b", true));
        assertThat(page(repository, "b", 2)).isEqualTo(new NamePage("[\"c\"]", 1, "c", false));

        tag(repository, "bb");
        assertThat(page(repository, "b", 2)).isEqualTo(new NamePage("[\"bb\", \"c\"]", 2, "c", false));

        jdbc.sql("delete from tags where name = 'a' and repository_id = (select id from repositories where name = ?)")
                .param(repository).update();
        assertThat(page(repository, null, 2)).isEqualTo(new NamePage("[\"b\", \"bb\"]", 2, "bb", true));

        jdbc.sql("update tags set name = 'renamed' where name = 'b' and repository_id = "
                + "(select id from repositories where name = ?)").param(repository).update();
        assertThat(page(repository, null, 2)).isEqualTo(new NamePage("[\"bb\", \"c\"]", 2, "c", true));

        jdbc.sql("delete from repositories where name = ?").param(repository).update();
        assertThat(pages.page(repository, null, 2)).isEmpty();
        createRepository(repository, "z");
        assertThat(page(repository, null, 2)).isEqualTo(new NamePage("[\"z\"]", 1, "z", false));
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
        assertThat(page(repository, null, 10).size()).isEqualTo(2);
        jdbc.sql("""
                delete from manifests where digest = 'sha256:' || repeat('0', 64)
                and repository_id = (select id from repositories where name = ?)""")
                .param(repository).update();
        assertThat(page(repository, null, 10)).isEqualTo(new NamePage("[\"keep\"]", 1, "keep", false));
    }

    /** The registry's own tag writes: a new tag moves the stamp, a repointed one does not. */
    @Test
    void onlyAChangeOfNamesMovesTheStamp() {
        String repository = repository("latest");
        long id = id(repository);
        long first = manifest(repository);
        long second = jdbc.sql("""
                insert into manifests (repository_id, digest, media_type, size, content)
                values (?, 'sha256:' || repeat('1', 64), 'application/vnd.oci.image.manifest.v1+json', 2, '{}'::bytea)
                returning id""").param(id).query(Long.class).single();
        long stamp = stamp(repository);

        tags.put(id, "latest", second); // every CI push of `latest`
        tags.putIfAbsent(id, "latest", first);
        assertThat(stamp(repository)).isEqualTo(stamp);

        tags.put(id, "v1", first);
        assertThat(stamp(repository)).isGreaterThan(stamp);
        assertThat(page(repository, null, 10).json()).isEqualTo("[\"latest\", \"v1\"]");

        Instant pushedAt = jdbc.sql("select updated_at from tags where repository_id = ? and name = 'v1'").param(id)
                .query(Timestamp.class).single().toInstant();
        assertThat(tags.deleteIfUnchanged(id, "v1", "sha256:" + digestOf(repository), pushedAt))
                .isTrue();
        assertThat(page(repository, null, 10).json()).isEqualTo("[\"latest\"]");

        assertThat(tags.delete(repository, "latest")).isTrue();
        assertThat(page(repository, null, 10).size()).isZero();
    }

    /**
     * Proof that an unchanged repository's page is not read again: a row written with the stamp's
     * trigger off (which no registry statement does) leaves the stamp alone and stays unlisted until
     * the next real change moves it.
     */
    @Test
    void anUnchangedRepositorysPageIsServedFromMemory() {
        String repository = repository("a", "b");
        assertThat(page(repository, null, 10).json()).isEqualTo("[\"a\", \"b\"]");
        transaction.executeWithoutResult(status -> {
            // DDL is transactional: other sessions never see the trigger off
            jdbc.sql("alter table tags disable trigger tags_inserted_stamp").update();
            tag(repository, "c");
            jdbc.sql("alter table tags enable trigger tags_inserted_stamp").update();
        });
        assertThat(page(repository, null, 10).json()).isEqualTo("[\"a\", \"b\"]");

        tag(repository, "d");
        assertThat(page(repository, null, 10).json()).isEqualTo("[\"a\", \"b\", \"c\", \"d\"]");
    }

    @Test
    void aPageReadInsideATransactionIsNotKept() {
        String repository = repository("a");
        transaction.executeWithoutResult(status -> {
            tag(repository, "uncommitted");
            assertThat(page(repository, null, 10).json()).isEqualTo("[\"a\", \"uncommitted\"]");
            status.setRollbackOnly();
        });
        tag(repository, "b"); // the stamp the rolled-back page would have been kept under
        assertThat(page(repository, null, 10).json()).isEqualTo("[\"a\", \"b\"]");
    }

    @Test
    void aRepositoryPushedIntoFasterThanTheFoldIsFoldedByItsNextPage() {
        String repository = repository();
        int pushed = 0;
        // the scheduled fold may run meanwhile; push until the rows are many again
        while (changeRows(repository) <= 32 && pushed < 500) {
            tag(repository, "t" + (1000 + pushed++));
        }
        assertThat(changeRows(repository)).isGreaterThan(32);
        long stamp = stamp(repository);

        assertThat(page(repository, null, 1000).size()).isEqualTo(pushed);
        assertThat(changeRows(repository)).isEqualTo(1);
        assertThat(stamp(repository)).isEqualTo(stamp);
    }

    @Test
    void foldsBesideConcurrentChangesKeepEveryChangeAndPagesStayRight() throws Exception {
        String repository = repository();
        long id = id(repository);
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
            Future<?> folder = pool.submit(() -> {
                while (writing.get()) {
                    pages.foldChanges();
                }
            });
            Future<?> lister = pool.submit(() -> {
                int checked = 0;
                while (writing.get() || checked == 0) {
                    // a page read between two equal stamps is the page of that moment
                    long stampBefore = stamp(repository);
                    NamePage page = page(repository, null, 1000);
                    String direct = jdbc.sql("""
                            select coalesce(json_agg(name), '[]')::text from (select name from tags
                            where repository_id = ? order by name) t""").param(id).query(String.class).single();
                    pages.foldChangesOf(id);
                    if (stamp(repository) == stampBefore) {
                        assertThat(page.json()).isEqualTo(direct);
                        checked++;
                    }
                }
            });
            for (Future<?> writer : writers) {
                writer.get();
            }
            writing.set(false);
            folder.get();
            lister.get();
        }
        assertThat(stamp(repository)).isEqualTo(before + 200);
        assertThat(page(repository, null, 1000).size()).isEqualTo(200);
    }

    private NamePage page(String repository, String last, int limit) {
        Optional<NamePage> page = pages.page(repository, last, limit);
        assertThat(page).as("repository %s is known", repository).isPresent();
        return page.orElseThrow();
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

    /** The tags, on the repository's first manifest, in one statement. */
    private void tag(String repository, String... tagNames) {
        jdbc.sql("""
                insert into tags (repository_id, name, manifest_id)
                select r.id, n, (select min(id) from manifests where repository_id = r.id) from repositories r,
                       unnest(?::text[]) n
                where r.name = ?""").params(tagNames, repository).update();
    }

    private long id(String repository) {
        return jdbc.sql("select id from repositories where name = ?").param(repository).query(Long.class).single();
    }

    private long manifest(String repository) {
        return jdbc.sql("select min(id) from manifests where repository_id = ?").param(id(repository))
                .query(Long.class).single();
    }

    private String digestOf(String repository) {
        return jdbc.sql("select md5(?) || md5(?)").params(repository, repository).query(String.class).single();
    }

    private long changeRows(String repository) {
        return jdbc.sql("select count(*) from tag_changes where repository_id = ?").param(id(repository))
                .query(Long.class).single();
    }

    private long stamp(String repository) {
        return jdbc.sql("select coalesce(sum(changes), 0) from tag_changes where repository_id = ?")
                .param(id(repository)).query(Long.class).single();
    }
}
