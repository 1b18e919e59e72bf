package io.stevedore.registry.metadata;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Pages of a repository's tag listing, served from this replica's memory while the repository's
 * tags are unchanged, and the folding of the tag change rows that tell (migration V17).
 *
 * <p>Every request reads the repository's stamp, one index probe, so a tag pushed through another
 * replica is listed at once; only the page's names come from memory. A listing of many pages, read
 * again and again by CI jobs and update bots, then costs PostgreSQL a probe per page instead of
 * the page's rows. The key also holds the database server's start time: a failover or a restore
 * may rewind the stamps, and a new server process empties the cache in effect.
 */
@Repository
public class TagPages {
    private static final Logger log = LoggerFactory.getLogger(TagPages.class);
    /** Above this many change rows a page folds them before it reads (see {@link #page}). */
    private static final int FOLD_ABOVE = 32;
    /** Bytes of tag pages kept in memory (tag names are ASCII, one byte a character). */
    private static final long CACHE_BUDGET_BYTES = 8L << 20;

    /**
     * The stamp: the repository's id, its tag change sum, whether that took more than
     * {@link #FOLD_ABOVE} rows, and the database server's start time; no row for an unknown
     * repository. Only the first {@code FOLD_ABOVE + 1} rows are read, so a repository pushed into
     * faster than its changes are folded costs a bounded probe (its sum is then not used). The
     * ORDER BY, in the index's key order, leaves the index the only cheap plan: with statistics
     * that expect many rows per repository, PostgreSQL planned the bare LIMIT as a sequential scan
     * that stops at the 33rd match, which reads the whole table for a repository with few rows.
     */
    static final String STAMP = """
                select r.id, coalesce(sum(c.changes), 0), count(*) > %d,
                       (extract(epoch from pg_postmaster_start_time()) * 1e6)::bigint
                from repositories r
                left join lateral (select changes from tag_changes where repository_id = r.id
                                   order by changes limit %d) c on true
                where r.name = ?
                group by r.id""".formatted(FOLD_ABOVE, FOLD_ABOVE + 1);

    /**
     * A page and, in the same snapshot, the stamp it belongs to (and the server's start time):
     * repository id (twice), last name ("" for the first page), limit.
     *
     * <p>The page's repository id comes from a scalar subquery, not a join, so the plan walks the
     * (repository_id, name) key in order and stops after {@code limit} rows; a join made
     * PostgreSQL sort every later tag. A repository deleted since its stamp was read gives an empty
     * page.
     *
     * <p>PostgreSQL writes the page as one JSON array (its aggregate reads the sorted subquery in
     * order, and one row instead of one per tag halved the server's CPU per page). An ORDER BY
     * inside the aggregate, or a window to fetch limit + 1 rows, cost PostgreSQL 1.5-4x the whole
     * query; whether more follow is one index probe after the page's last name. That probe asks for
     * the first name in key order rather than EXISTS: with statistics that expect many matches,
     * PostgreSQL planned the EXISTS as a sequential scan that stops at the first one, and read the
     * whole table on the last page; a first name in order can only come cheaply from the index.
     */
    static final String PAGE = """
                select coalesce(json_agg(p.name), '[]')::text, count(*), max(p.name),
                       (select t.name from tags t where t.repository_id = min(p.repository_id) and t.name > max(p.name)
                        order by t.name limit 1) is not null,
                       (select coalesce(sum(changes), 0) from tag_changes where repository_id = ?),
                       (extract(epoch from pg_postmaster_start_time()) * 1e6)::bigint
                from (select t.repository_id, t.name from tags t
                      where t.repository_id = (select id from repositories where id = ?) and t.name > ?
                      order by t.name limit ?) p""";

    private record Stamp(long repositoryId, long sum, boolean crowded, long databaseStart) {
    }

    private record StampedPage(NamePage page, long stamp, long databaseStart) {
    }

    private final JdbcClient jdbc;
    private final TagPageCache cache = new TagPageCache(CACHE_BUDGET_BYTES);

    public TagPages(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Tags of the repository in byte order, those after {@code last}, at most {@code limit}; empty
     * for an unknown repository.
     */
    public Optional<NamePage> page(String repository, String last, int limit) {
        String after = last == null ? "" : last;
        Stamp stamp = jdbc.sql(STAMP).param(repository)
                .query((rs, n) -> new Stamp(rs.getLong(1), rs.getLong(2), rs.getBoolean(3), rs.getLong(4)))
                .optional().orElse(null);
        if (stamp == null) {
            return Optional.empty();
        }
        // inside a transaction its own uncommitted changes would be cached under a stamp that
        // another commit may reach: only the committed state is cached
        boolean cacheable = !TransactionSynchronizationManager.isActualTransactionActive();
        long id = stamp.repositoryId();
        if (stamp.crowded()) {
            foldChangesOf(id);
        } else if (cacheable) {
            NamePage cached = cache.get(new TagPageCache.Key(id, stamp.sum(), stamp.databaseStart(), after, limit));
            if (cached != null) {
                return Optional.of(cached);
            }
        }
        StampedPage read = jdbc.sql(PAGE).params(id, id, after, limit)
                .query((rs, n) -> new StampedPage(
                        new NamePage(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBoolean(4)),
                        rs.getLong(5), rs.getLong(6)))
                .single();
        if (cacheable) {
            cache.put(new TagPageCache.Key(id, read.stamp(), read.databaseStart(), after, limit), read.page());
        }
        return Optional.of(read.page());
    }

    /**
     * Replaces the repository's change rows with one holding their sum; its stamp stays the same.
     * Rows another fold holds are skipped, not waited for: this runs inside a listing request,
     * and a fold is never needed for a right answer.
     */
    void foldChangesOf(long repositoryId) {
        try {
            jdbc.sql("""
                    with mine as (select ctid from tag_changes where repository_id = ? for update skip locked),
                         folded as (delete from tag_changes where ctid in (select ctid from mine) returning changes)
                    insert into tag_changes (repository_id, changes)
                    select ?, sum(changes) from folded having count(*) > 0""")
                    .params(repositoryId, repositoryId).update();
        } catch (DataAccessException e) {
            log.debug("could not fold the tag changes of repository {}: {}", repositoryId, e.toString());
        }
    }

    /**
     * Folds the change rows of every repository that has more than one; returns how many
     * repositories it folded. Safe beside another replica's fold: rows one holds, the other skips,
     * and each inserts the sum of what it deleted.
     */
    int foldChanges() {
        return jdbc.sql("""
                with mine as (select ctid from tag_changes
                              where repository_id in (select repository_id from tag_changes
                                                      group by repository_id having count(*) > 1)
                              for update skip locked),
                     folded as (delete from tag_changes where ctid in (select ctid from mine)
                                returning repository_id, changes)
                insert into tag_changes (repository_id, changes)
                select repository_id, sum(changes) from folded group by repository_id""").update();
    }

    /** Drops the change rows of deleted repositories (ids are never reused); returns how many. */
    int forgetDeletedRepositories() {
        return jdbc.sql("""
                delete from tag_changes c
                where not exists (select 1 from repositories r where r.id = c.repository_id)""").update();
    }
}
