-- The usage triggers' statements on a repository's or namespace's usage rows find them by index
-- probe again, instead of reading all the repository's (or namespace's) rows.
--
-- A PL/pgSQL function's text variables and parameters take the collation of its call, and the
-- triggers call usage_add with a namespace cut from repositories.name, which is COLLATE "C". So
-- digests, pending and fresh compared as "C", while the digest columns and their indexes use the
-- database's default collation. Both sort alike here (the database is initialised with the C
-- locale), but PostgreSQL uses an index only for a comparison in the index's own collation: the
-- row lock's `digest = any (pending)` became a filter over the repository's rows. Measured before
-- this migration: a push of a manifest whose config and layers the repository already held read
-- all 2,010 usage rows of a repository of 2,000 manifests (2.3 ms of the manifest's statement, and
-- growing with the repository). usage_remove runs in the default collation (its caller passes
-- default-collation arrays), but its joins of the digest list with the repository's rows left a
-- planner without statistics (a new registry) free to read all of them: 616 rows for one delete
-- in UsageRowReadsTest, which counts the rows read.
--
-- Each comparison of a digest variable with an indexed digest column now says collate "default",
-- and each join of the digest list with a repository's rows also names the list as an index
-- condition. The row locks are written as one lateral subquery per digest, in digest order, on
-- the whole primary key: a subquery with a locking clause (or an ORDER BY) is not merged into
-- the join, so each digest is one index probe whatever the statistics say, and the nested loop
-- locks the rows in the outer (digest) order, sorted in the default collation like V12's and the
-- compaction's locks: the lock order of rule 4 in V12. Nothing else in either function changes.

-- counts[i] more holders of digests[i] (sizes[i] bytes) in the repository; digests distinct.
create or replace function usage_add(repo bigint, ns text, digests text[], sizes bigint[], counts int[])
returns void language plpgsql as $$
declare
    pending   text[] := digests;
    fresh     text[];
    fresh_bytes bigint;
    held      text[];
    new_to_repository text[] := '{}';
    repository_added bigint := 0;
    namespace_added  bigint := 0;
begin
    perform usage_share_namespace(ns);
    -- the repository's namespace, for deletes that run after the repository row is gone
    insert into repository_usage (repository_id, namespace) values (repo, ns) on conflict do nothing;
    loop
        with o as (select * from unnest(digests, sizes, counts) as o(digest, size, n)
                   where o.digest = any (pending) order by o.digest),
        inserted as (insert into repository_usage_objects (repository_id, digest, size, holders)
                     select repo, digest, size, n from o on conflict do nothing returning digest, size)
        select coalesce(array_agg(digest), '{}'), coalesce(sum(size), 0) into fresh, fresh_bytes from inserted;
        new_to_repository := new_to_repository || fresh;
        repository_added := repository_added + fresh_bytes;
        exit when cardinality(fresh) = cardinality(pending); -- (the usual case of a manifest's own row)
        -- the rest the repository holds already: keep their rows from going until this commits
        select coalesce(array_agg(locked.digest order by locked.digest), '{}') into held
        from (select d from unnest(pending) d where not d = any (fresh) order by d collate "default") p(digest),
        lateral (select ro.digest from repository_usage_objects ro
                 where ro.repository_id = repo and ro.digest = p.digest collate "default" for key share) locked;
        insert into repository_usage_holder_changes (repository_id, digest, holders)
        select repo, o.digest, o.n from unnest(digests, counts) as o(digest, n) where o.digest = any (held);
        exit when cardinality(fresh) + cardinality(held) = cardinality(pending);
        -- what is left had its row deleted between the two statements: its last holder went
        pending := array(select d from unnest(pending) d where not d = any (fresh) and not d = any (held));
    end loop;
    if cardinality(new_to_repository) = 0 then
        return;
    end if;
    -- objects new to the repository have one more repository holding them in the namespace
    with o as (select * from unnest(digests, sizes) as o(digest, size)
               where o.digest = any (new_to_repository) order by o.digest),
    counted as (insert into namespace_usage_objects as nuo (namespace, digest, size, holders)
                select ns, digest, size, 1 from o
                on conflict (namespace, digest) do update set holders = nuo.holders + 1
                returning nuo.size, nuo.holders)
    select coalesce(sum(size) filter (where holders = 1), 0) into namespace_added from counted;
    insert into usage_changes (namespace, repository_id, repository_bytes, namespace_bytes)
    values (ns, repo, repository_added, namespace_added);
end $$;

-- counts[i] fewer holders of digests[i] in the repository; digests distinct.
create or replace function usage_remove(repo bigint, digests text[], counts int[]) returns void language plpgsql as $$
declare
    ns text;
    gone_digests text[];
    gone_sizes   bigint[];
    namespace_freed bigint;
begin
    select namespace into ns from repository_usage where repository_id = repo;
    if ns is null then
        return; -- nothing of the repository is counted
    end if;
    perform usage_own_namespace(ns);
    -- waits for pushes that share these objects (KEY SHARE) to commit, and keeps new ones out
    perform 1 from (select d from unnest(digests) d order by d collate "default") p(digest),
        lateral (select 1 from repository_usage_objects ro
                 where ro.repository_id = repo and ro.digest = p.digest collate "default" for update) locked;
    -- a new statement: sees the holders those pushes added
    with added as (delete from repository_usage_holder_changes
                   where repository_id = repo and digest = any (digests collate "default") returning digest, holders),
    per_object as (select digest, sum(holders)::int as n from added group by digest)
    update repository_usage_objects ro set holders = ro.holders + p.n from per_object p
    where ro.repository_id = repo and ro.digest = any (digests collate "default") and ro.digest = p.digest;
    with o as (select * from unnest(digests, counts) as o(digest, n)),
    dropped as (update repository_usage_objects ro set holders = ro.holders - o.n from o
                where ro.repository_id = repo and ro.digest = any (digests collate "default")
                  and ro.digest = o.digest collate "default" and ro.holders > o.n
                returning ro.digest)
    select array_agg(ro.digest), array_agg(ro.size) into gone_digests, gone_sizes
    from repository_usage_objects ro join unnest(digests) d(digest) on ro.digest = d.digest collate "default"
    where ro.repository_id = repo and ro.digest = any (digests collate "default")
      and ro.digest not in (select digest from dropped);
    if gone_digests is null then
        return;
    end if;
    delete from repository_usage_objects where repository_id = repo and digest = any (gone_digests collate "default");
    -- objects gone from the repository have one repository fewer holding them in the namespace
    -- (the last holder's rows go first: decremented first, others would look like last holders)
    with gone as (delete from namespace_usage_objects
                  where namespace = ns and digest = any (gone_digests collate "default") and holders = 1 returning size)
    select coalesce(sum(size), 0) into namespace_freed from gone;
    update namespace_usage_objects set holders = holders - 1
    where namespace = ns and digest = any (gone_digests collate "default");
    insert into usage_changes (namespace, repository_id, repository_bytes, namespace_bytes)
    values (ns, repo, -(select sum(s) from unnest(gone_sizes) s), -namespace_freed);
end $$;
