package io.stevedore.registry.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.stevedore.registry.AuthRegistryTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A page of tags, and the stamp read before it, read only indexes, whatever the statistics say. With four repositories of
 * 5,000 tags analysed, PostgreSQL planned the old "are there more" EXISTS as a sequential scan of
 * the whole tags table (it expected an early match), once per page. The rows and the column
 * statistics are made inside a transaction that rolls back, so other tests never see them; only
 * the table size estimate, which ANALYZE writes in place, stays until the next autoanalyze.
 */
class TagPagePlanTest extends AuthRegistryTestSupport {

    @Test
    void aPageNeverScansTheWholeTagsTableEvenWithStatisticsThatInviteIt() {
        JdbcClient jdbc = authContext().getBean(JdbcClient.class);
        TransactionTemplate transaction =
                new TransactionTemplate(authContext().getBean(PlatformTransactionManager.class));
        String prefix = "plan/" + UUID.randomUUID() + "-";
        List<String> plan = transaction.execute(status -> {
            status.setRollbackOnly();
            jdbc.sql("insert into repositories (name) select ? || i from generate_series(1, 4) i").param(prefix).update();
            jdbc.sql("""
                    insert into manifests (repository_id, digest, media_type, size, content)
                    select id, 'sha256:' || md5(name) || md5(name), 'application/vnd.oci.image.manifest.v1+json', 2,
                           '{}'::bytea
                    from repositories where name like ? || '%'""").param(prefix).update();
            jdbc.sql("""
                    insert into tags (repository_id, name, manifest_id)
                    select m.repository_id, 't' || lpad(g::text, 6, '0'), m.id
                    from manifests m join repositories r on r.id = m.repository_id, generate_series(0, 4999) g
                    where r.name like ? || '%'""").param(prefix).update();
            // change rows as pushes faster than the fold leave them
            jdbc.sql("""
                    insert into tag_changes (repository_id, changes)
                    select id, 1 from repositories, generate_series(1, 5000) where name like ? || '%'""")
                    .param(prefix).update();
            jdbc.sql("analyze tags").update();
            jdbc.sql("analyze repositories").update();
            jdbc.sql("analyze tag_changes").update();
            long id = jdbc.sql("select id from repositories where name = ?").param(prefix + 2)
                    .query(Long.class).single();
            List<String> lines = new ArrayList<>(jdbc.sql("explain " + TagPages.PAGE)
                    .params(id, id, "t003999", 1000).query(String.class).list());
            lines.addAll(jdbc.sql("explain " + TagPages.STAMP).param(prefix + 2).query(String.class).list());
            return lines;
        });
        assertThat(String.join("\n", plan)).doesNotContain("Seq Scan on tags").doesNotContain("Seq Scan on tag_changes");
    }
}
