package io.stevedore.registry.metadata;

import io.stevedore.oci.RepositoryName;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Repositories: created on first push, listed by the catalog. */
@Repository
public class RepositoryStore {
    private final JdbcClient jdbc;

    public RepositoryStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Long> find(RepositoryName name) {
        return jdbc.sql("select id from repositories where name = ?").param(name.value())
                .query(Long.class).optional();
    }

    /** The repository's id, creating the repository if needed (safe under concurrent creators). */
    public long findOrCreate(RepositoryName name) {
        Optional<Long> existing = find(name);
        if (existing.isPresent()) {
            return existing.get();
        }
        jdbc.sql("insert into repositories (name) values (?) on conflict (name) do nothing")
                .param(name.value()).update();
        return find(name).orElseThrow();
    }

    /** Names of repositories holding at least one manifest, sorted, after {@code last}. */
    public List<String> list(String last, int limit) {
        return jdbc.sql("""
                select r.name from repositories r
                where r.name > ? and exists (select 1 from manifests m where m.repository_id = r.id)
                order by r.name limit ?""")
                .params(last == null ? "" : last, limit)
                .query((rs, n) -> rs.getString(1)).list();
    }
}
