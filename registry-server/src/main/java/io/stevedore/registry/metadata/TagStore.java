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

    /** {@link #page}'s statement: repository name, last name ("" for the first page), limit. */
    static final String PAGE = """
                select coalesce(json_agg(p.name), '[]')::text, count(*), max(p.name),
                       (select t.name from tags t where t.repository_id = min(p.repository_id) and t.name > max(p.name)
                        order by t.name limit 1) is not null
                from (select t.repository_id, t.name from tags t
                      where t.repository_id = (select id from repositories where name = ?) and t.name > ?
                      order by t.name limit ?) p""";

    /**
     * Tags of the repository in byte order, those after {@code last}, at most {@code limit}; one
     * round trip per page, since a listing of many pages is a loop of these. The repository id
     * comes from a scalar subquery, not a join, so the plan walks the (repository_id, name) key
     * in order and stops after {@code limit} rows; a join made PostgreSQL sort every later tag.
     * PostgreSQL writes the page as one JSON array: its aggregate reads the sorted subquery in
     * order (nothing at the outer level, such as a join, could reorder it), and one row instead
     * of one per tag halved the server's CPU per page. An ORDER BY inside the aggregate, or a
     * window to fetch limit + 1 rows, cost PostgreSQL 1.5-4x the whole query; whether more follow
     * is one index probe after the page's last name. That probe asks for the first name in key
     * order rather than EXISTS: with statistics that expect many matches, PostgreSQL planned the
     * EXISTS as a sequential scan that stops at the first one, and read the whole table on the
     * last page; a first name in order can only come cheaply from the index.
     */
    public NamePage page(String repository, String last, int limit) {
        return jdbc.sql(PAGE)
                .params(repository, last == null ? "" : last, limit)
                .query((rs, n) -> new NamePage(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBoolean(4)))
                .single();
    }

    public boolean delete(String repository, String tag) {
        return jdbc.sql("""
                delete from tags t using repositories r
                where r.id = t.repository_id and r.name = ? and t.name = ?""")
                .params(repository, tag).update() > 0;
    }
}
