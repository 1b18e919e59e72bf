-- Storage usage that pushes into one namespace do not wait on each other for (issue 13).
--
-- V8 kept a namespace's and a repository's bytes in one row each and every manifest insert or
-- delete locked the namespace's row until its commit, and each repository object's holder count
-- was one row that every manifest sharing the object updated: all pushes into a namespace ran one
-- at a time from their manifest's statement to their commit. 8 clients pushing manifests into one
-- repository: 165 PUTs/s with the triggers, ~350 without (docs/benchmarks.md).
--
-- Still exact at every moment, now by three rules:
-- 1. Figures are sums of change rows (usage_changes), inserted, never updated, by the transaction
--    that changes them; reading one sums its rows. A scheduled compaction (usage.UsageCompaction)
--    folds each figure's rows into one.
-- 2. An object's row in repository_usage_objects exists exactly while some manifest of the
--    repository holds it. A push whose manifest holds an object the repository already has does
--    not update that row: it takes a KEY SHARE lock on it (which pushes do not block each other
--    with) and inserts a change row into repository_usage_holder_changes. A delete takes the row
--    FOR UPDATE, which waits for those pushes to commit and keeps new ones out; in its next
--    statement, whose snapshot sees what they committed, it folds their change rows into the row
--    and then decides whether it removed the last holder. A push that finds the row removed under
--    its KEY SHARE request (its holder deleted it meanwhile) inserts it again, as new.
-- 3. Only an object new to a repository (or gone from it) changes the namespace's holder rows,
--    which stay counts updated under row locks as in V8, with INSERT ... ON CONFLICT now that no
--    namespace lock orders two first holders.
-- 4. Deletes still run one at a time per namespace, and never beside a push into it: a push holds
--    the namespace's usage lock in SHARED mode until its commit (pushes do not wait on each
--    other for it), a delete of a manifest (and the compaction's fold) in EXCLUSIVE mode. A
--    delete's trigger takes its rows in an order of its own (one manifest after another of a
--    repository's cascade, each in digest order) that no single order of a push's rows matches;
--    without the exclusive lock a delete and a push sharing layers, two deletes, or a delete and
--    a copy of an index deadlocked (a review reproduced each), and with it the rows a push
--    relies on cannot go while it runs. The lock is a transaction-level advisory lock on the
--    namespace's name (the two-key form, class 'USAG'), taken inside the trigger functions.
-- A namespace with a quota still serialises its pushes: usage.Quotas takes the shared lock and
-- then locks its namespace_usage row (the only thing that row is now for) before checking what
-- a manifest adds; no delete can change the figures between that check and the commit.
--
-- The old figures are copied under a SHARE lock on the V8 tables, which waits for pushes of
-- replicas still running the old code to commit and holds new ones until this commits. Their
-- bytes columns stay (no longer maintained) so that such replicas keep answering during a rolling
-- upgrade; a later migration drops them.

lock table namespace_usage, repository_usage, namespace_usage_objects, repository_usage_objects in share mode;

create table usage_changes (
    namespace        text collate "C" not null,
    repository_id    bigint,               -- null: a change of the namespace's figure only
    repository_bytes bigint not null default 0,
    namespace_bytes  bigint not null default 0
);
create index usage_changes_by_namespace on usage_changes (namespace) include (namespace_bytes);
create index usage_changes_by_repository on usage_changes (repository_id) include (repository_bytes)
    where repository_id is not null;

-- More holders of an object than its row in repository_usage_objects says; folded into the row
-- by the next delete of a holder or by the compaction, both under the row's FOR UPDATE lock.
create table repository_usage_holder_changes (
    repository_id bigint not null,
    digest        text not null,
    holders       int not null check (holders > 0)
);
create index repository_usage_holder_changes_by_object on repository_usage_holder_changes (repository_id, digest);

-- The namespace's usage lock, shared by pushes and exclusive for deletes (rule 4 above).
create function usage_share_namespace(ns text) returns void language sql as $$
    select pg_advisory_xact_lock_shared(1431519559, hashtext(ns))
$$;
create function usage_own_namespace(ns text) returns void language sql as $$
    select pg_advisory_xact_lock(1431519559, hashtext(ns))
$$;

insert into usage_changes (namespace, repository_id, repository_bytes, namespace_bytes)
select namespace, repository_id, bytes, 0 from repository_usage where bytes <> 0;
insert into usage_changes (namespace, repository_id, repository_bytes, namespace_bytes)
select namespace, null, 0, bytes from namespace_usage where bytes <> 0;

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
        select coalesce(array_agg(digest), '{}') into held from (
            select ro.digest from repository_usage_objects ro
            where ro.repository_id = repo and ro.digest = any (pending) and not ro.digest = any (fresh)
            order by ro.digest for key share) locked;
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
    perform 1 from (select 1 from repository_usage_objects
                    where repository_id = repo and digest = any (digests)
                    order by digest for update) locked;
    -- a new statement: sees the holders those pushes added
    with added as (delete from repository_usage_holder_changes
                   where repository_id = repo and digest = any (digests) returning digest, holders),
    per_object as (select digest, sum(holders)::int as n from added group by digest)
    update repository_usage_objects ro set holders = ro.holders + p.n from per_object p
    where ro.repository_id = repo and ro.digest = p.digest;
    with o as (select * from unnest(digests, counts) as o(digest, n)),
    dropped as (update repository_usage_objects ro set holders = ro.holders - o.n from o
                where ro.repository_id = repo and ro.digest = o.digest and ro.holders > o.n
                returning ro.digest)
    select array_agg(ro.digest), array_agg(ro.size) into gone_digests, gone_sizes
    from repository_usage_objects ro join unnest(digests) d(digest) on d.digest = ro.digest
    where ro.repository_id = repo and ro.digest not in (select digest from dropped);
    if gone_digests is null then
        return;
    end if;
    delete from repository_usage_objects where repository_id = repo and digest = any (gone_digests);
    -- objects gone from the repository have one repository fewer holding them in the namespace
    -- (the last holder's rows go first: decremented first, others would look like last holders)
    with gone as (delete from namespace_usage_objects
                  where namespace = ns and digest = any (gone_digests) and holders = 1 returning size)
    select coalesce(sum(size), 0) into namespace_freed from gone;
    update namespace_usage_objects set holders = holders - 1
    where namespace = ns and digest = any (gone_digests);
    insert into usage_changes (namespace, repository_id, repository_bytes, namespace_bytes)
    values (ns, repo, -(select sum(s) from unnest(gone_sizes) s), -namespace_freed);
end $$;
