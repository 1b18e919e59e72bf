package io.stevedore.registry.retention;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Immutable tag patterns per repository or namespace. */
@Repository
class ImmutableTagStore {
    private final JdbcClient jdbc;

    ImmutableTagStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void put(Target target, List<String> patterns, String updatedBy) {
        jdbc.sql("""
                insert into immutable_tag_rules (kind, target, patterns, updated_by) values (?, ?, ?, ?)
                on conflict (kind, target) do update
                set patterns = excluded.patterns, updated_by = excluded.updated_by, updated_at = now()""")
                .params(target.kind().wireName(), target.name(), patterns.toArray(String[]::new), updatedBy)
                .update();
    }

    Optional<List<String>> find(Target target) {
        return jdbc.sql("select patterns from immutable_tag_rules where kind = ? and target = ?")
                .params(target.kind().wireName(), target.name())
                .query((rs, n) -> RetentionStore.strings(rs.getArray(1))).optional();
    }

    boolean delete(Target target) {
        return jdbc.sql("delete from immutable_tag_rules where kind = ? and target = ?")
                .params(target.kind().wireName(), target.name()).update() > 0;
    }

    /** The patterns that apply to the repository: its own and its namespace's; one indexed query. */
    List<String> patternsFor(String repository) {
        List<String> patterns = new ArrayList<>();
        jdbc.sql("""
                select patterns from immutable_tag_rules
                where (kind = 'repository' and target = ?) or (kind = 'namespace' and target = ?)
                order by kind desc""")
                .params(repository, Target.namespaceOf(repository))
                .query(rs -> {
                    patterns.addAll(RetentionStore.strings(rs.getArray(1)));
                });
        return patterns;
    }

    /**
     * Locks the manifest against new tags until the transaction ends (a tag insert waits for the
     * lock, since it checks its foreign key), then returns the tags pointing at it now.
     */
    /** Locks the repository's row against pushes until the transaction ends and lists its tags. */
    List<String> lockRepositoryAndListTags(String repository) {
        Optional<Long> id = jdbc.sql("select id from repositories where name = ? for update")
                .param(repository).query(Long.class).optional();
        // a statement of its own, so that it sees tags committed while it waited for the lock
        return id.map(repositoryId -> jdbc.sql("select name from tags where repository_id = ? order by name")
                .param(repositoryId).query(String.class).list()).orElse(List.of());
    }

    List<String> lockAndListTags(String repository, String digest) {
        Optional<Long> id = jdbc.sql("""
                select m.id from manifests m join repositories r on r.id = m.repository_id
                where r.name = ? and m.digest = ? for update of m""")
                .params(repository, digest).query(Long.class).optional();
        // a statement of its own, so that it sees tags committed while it waited for the lock
        return id.map(manifest -> jdbc.sql("select name from tags where manifest_id = ? order by name")
                .param(manifest).query(String.class).list()).orElse(List.of());
    }
}
