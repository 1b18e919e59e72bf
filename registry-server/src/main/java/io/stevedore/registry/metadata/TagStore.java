package io.stevedore.registry.metadata;

import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Tags: a name in a repository pointing at one manifest. */
@Repository
public class TagStore {
    private final JdbcClient jdbc;
    private final TagPageCache pages = new TagPageCache(CACHE_BUDGET_CHARS);

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

    /** An unknown repository's page; the caller tells it from an existing empty one. */
    private static final NamePage NONE = new NamePage("[]", 0, null, false);
    /** Above this many change rows a page folds them before it reads (see {@link #page}). */
    private static final int FOLD_ABOVE = 32;
    /** Characters of tag pages kept in memory (~8 MB: tag names are ASCII, one byte a character). */
    private static final long CACHE_BUDGET_CHARS = 8_000_000;

    /**
     * {@link #page}'s stamp: the repository's id, its tag change sum (migration V17) and whether
     * that took more than {@link #FOLD_ABOVE} rows; no row for an unknown repository. Only the
     * first {@code FOLD_ABOVE + 1} rows are read, so a repository pushed into faster than the
     * changes are folded costs a bounded probe (its sum is then not used).
     */
    static final String STAMP = """
                select r.id, coalesce(sum(c.changes), 0), count(*) > %d
                from repositories r
                left join lateral (select changes from tag_changes where repository_id = r.id limit %d) c on true
                where r.name = ?
                group by r.id""".formatted(FOLD_ABOVE, FOLD_ABOVE + 1);

    /**
     * {@link #page}'s statement: repository id (three times), last name ("" for the first page),
     * limit; it also reads the stamp, in the same snapshot as the page.
     */
    static final String PAGE = """
                select coalesce(json_agg(p.name), '[]')::text, count(*), max(p.name),
                       (select t.name from tags t where t.repository_id = ? and t.name > max(p.name)
                        order by t.name limit 1) is not null,
                       (select coalesce(sum(changes), 0) from tag_changes where repository_id = ?)
                from (select t.name from tags t where t.repository_id = ? and t.name > ?
                      order by t.name limit ?) p""";

    /**
     * Tags of the repository in byte order, those after {@code last}, at most {@code limit}; an
     * empty page for an unknown repository.
     *
     * <p>A page is served from memory while the repository's stamp is the one it was read with:
     * a listing of many pages, read again and again by CI jobs and update bots, then costs
     * PostgreSQL an index probe per page instead of the page's rows. The stamp is read on every
     * request, so a tag pushed through another replica is listed at once. When the repository's
     * change rows pile up (pushes faster than the scheduled fold, {@link TagChangeFolding}), the
     * page folds them first, so that the next stamp is one row again.
     *
     * <p>The page itself is one round trip: PostgreSQL writes it as one JSON array (its aggregate
     * reads the sorted subquery in order, and one row instead of one per tag halved the server's
     * CPU per page). An ORDER BY inside the aggregate, or a window to fetch limit + 1 rows, cost
     * PostgreSQL 1.5-4x the whole query; whether more follow is one index probe after the page's
     * last name. That probe asks for the first name in key order rather than EXISTS: with
     * statistics that expect many matches, PostgreSQL planned the EXISTS as a sequential scan that
     * stops at the first one, and read the whole table on the last page; a first name in order can
     * only come cheaply from the index.
     */
    public NamePage page(String repository, String last, int limit) {
        String after = last == null ? "" : last;
        Stamp stamp = jdbc.sql(STAMP).param(repository)
                .query((rs, n) -> new Stamp(rs.getLong(1), rs.getLong(2), rs.getBoolean(3)))
                .optional().orElse(null);
        if (stamp == null) {
            return NONE;
        }
        if (!stamp.crowded()) {
            NamePage cached = pages.get(new TagPageCache.Key(stamp.repositoryId(), stamp.sum(), after, limit));
            if (cached != null) {
                return cached;
            }
        } else {
            foldChanges(stamp.repositoryId());
        }
        long id = stamp.repositoryId();
        long[] readStamp = new long[1];
        NamePage page = jdbc.sql(PAGE).params(id, id, id, after, limit)
                .query((rs, n) -> {
                    readStamp[0] = rs.getLong(5);
                    return new NamePage(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBoolean(4));
                })
                .single();
        pages.put(new TagPageCache.Key(id, readStamp[0], after, limit), page);
        return page;
    }

    private record Stamp(long repositoryId, long sum, boolean crowded) {
    }

    /** Replaces the repository's change rows with one holding their sum; its stamp stays the same. */
    void foldChanges(long repositoryId) {
        jdbc.sql("""
                with folded as (delete from tag_changes where repository_id = ? returning changes)
                insert into tag_changes (repository_id, changes)
                select ?, sum(changes) from folded having count(*) > 0""")
                .params(repositoryId, repositoryId).update();
    }

    /**
     * Folds the change rows of every repository that has more than one, and drops those of deleted
     * repositories; returns the repositories folded plus the rows dropped, for the log. Safe beside
     * another replica's fold: a row one deletes, the other's delete skips, and each inserts the sum
     * of what it deleted.
     */
    int foldChanges() {
        int forgotten = jdbc.sql("""
                delete from tag_changes c
                where not exists (select 1 from repositories r where r.id = c.repository_id)""").update();
        int folded = jdbc.sql("""
                with folded as (
                    delete from tag_changes
                    where repository_id in (select repository_id from tag_changes group by repository_id
                                            having count(*) > 1)
                    returning repository_id, changes)
                insert into tag_changes (repository_id, changes)
                select repository_id, sum(changes) from folded group by repository_id""").update();
        return forgotten + folded;
    }

    public boolean delete(String repository, String tag) {
        return jdbc.sql("""
                delete from tags t using repositories r
                where r.id = t.repository_id and r.name = ? and t.name = ?""")
                .params(repository, tag).update() > 0;
    }
}
