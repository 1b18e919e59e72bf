package io.stevedore.registry.metadata;

import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Tags: a name in a repository pointing at one manifest. */
@Repository
public class TagStore {
    private final JdbcClient jdbc;

    public TagStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Points the tag at the manifest; the last of concurrent pushes of one tag wins, whole. */
    public void put(long repositoryId, String tag, long manifestId) {
        jdbc.sql("""
                insert into tags (repository_id, name, manifest_id) values (?, ?, ?)
                on conflict (repository_id, name) do update
                set manifest_id = excluded.manifest_id, updated_at = now()""")
                .params(repositoryId, tag, manifestId).update();
    }

    /**
     * Creates the tag if it is new; either way locks it until the transaction ends and returns the
     * id of the manifest it points at (immutable tags are checked with this).
     */
    public long putIfAbsent(long repositoryId, String tag, long manifestId) {
        return jdbc.sql("""
                insert into tags (repository_id, name, manifest_id) values (?, ?, ?)
                on conflict (repository_id, name) do update set manifest_id = tags.manifest_id
                returning manifest_id""")
                .params(repositoryId, tag, manifestId).query(Long.class).single();
    }

    /** Deletes the tag if it still points at the manifest and was not pushed again since {@code pushedAt}. */
    public boolean deleteIfUnchanged(long repositoryId, String tag, String digest, Instant pushedAt) {
        return jdbc.sql("""
                delete from tags t using manifests m
                where t.repository_id = ? and t.name = ? and m.id = t.manifest_id and m.digest = ?
                and t.updated_at = ?""")
                .params(repositoryId, tag, digest, Timestamp.from(pushedAt)).update() > 0;
    }

    public boolean delete(String repository, String tag) {
        return jdbc.sql("""
                delete from tags t using repositories r
                where r.id = t.repository_id and r.name = ? and t.name = ?""")
                .params(repository, tag).update() > 0;
    }
}
