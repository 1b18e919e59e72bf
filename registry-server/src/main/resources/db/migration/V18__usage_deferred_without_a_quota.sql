-- A push into a namespace without a quota defers its usage accounting (issue 13).
--
-- The usage triggers were 0.69-0.86 ms of the 1.84 ms of PostgreSQL CPU a manifest PUT costs
-- (docs/benchmarks.md, "manifest-put: what each part of a PUT costs PostgreSQL"), spent on every
-- push so that the figures are exact at every moment. Only a quota needs them exact at the moment
-- of a push: it is checked against them under the namespace's lock. Every other namespace's
-- figures are only read, by the usage API and the web UI, and are as exact when brought up to
-- date at the read. So a push into a namespace without a quota now records what usage_add would
-- have counted as one row of usage_backlog, and the counting happens later, many pushes at once:
-- when the namespace's figures are read (UsageStore), by the scheduled drain (UsageCompaction),
-- before any delete in the namespace (usage_manifest_deleted), and when a quota is set on it
-- (UsageStore.setQuota). A namespace with a quota is counted at every push, as before.
--
-- Why this stays exact:
-- 1. usage_drain(ns) takes the namespace's usage lock in EXCLUSIVE mode (V12's rule 4), which
--    waits for every push into the namespace to commit (a push holds it in SHARED mode from its
--    manifest's statement to its commit), and then counts every backlog row it can see: all of
--    them, no push being under way. No figure of the namespace changes while it runs.
-- 2. Counting is a sum: holders per object, and the bytes of objects whose holders rose from
--    zero or fell to it. Counting k backlog rows in one usage_apply call, with the counts of each
--    object summed, leaves the same rows and figures as counting them one by one, in any order
--    (an object's row exists exactly while its holder count is above zero).
-- 3. A delete counts after the drain: a manifest is only deleted once its push has committed,
--    so its own backlog row is counted before its removal is.
-- 4. Setting a quota drains under the same exclusive lock, in the statement that sets it: pushes
--    whose trigger runs after that commit see the quota and count at once, and none is left in
--    the backlog to make the quota check's figures low.
-- 5. The backlog path still records the repository's namespace in repository_usage, which a
--    delete after the repository itself is gone needs to find the namespace to drain.
--
-- usage_add keeps its name and arguments, so the two V8 triggers that call it do not change;
-- its V14 body, which counts at once, is kept as usage_apply. ALTER FUNCTION takes no lock on the
-- tables. A replica of the previous version keeps reading figures without draining them, so
-- during a rolling upgrade its usage pages can lag until the scheduled drain of a new replica.

create table usage_backlog (
    namespace     text collate "C" not null,
    repository_id bigint not null,
    digests       text[] not null,
    sizes         bigint[] not null,
    counts        int[] not null
);
create index usage_backlog_by_namespace on usage_backlog (namespace);

alter function usage_add(bigint, text, text[], bigint[], int[]) rename to usage_apply;

-- counts[i] more holders of digests[i] (sizes[i] bytes) in the repository; digests distinct.
create function usage_add(repo bigint, ns text, digests text[], sizes bigint[], counts int[])
returns void language plpgsql set enable_seqscan = off as $$
begin
    perform usage_share_namespace(ns);
    if exists (select 1 from namespace_quotas where namespace = ns) then
        perform usage_apply(repo, ns, digests, sizes, counts);
        return;
    end if;
    insert into repository_usage (repository_id, namespace) values (repo, ns) on conflict do nothing;
    insert into usage_backlog (namespace, repository_id, digests, sizes, counts) values (ns, repo, digests, sizes, counts);
end $$;

-- Counts every backlog row of the namespace (rule 1 above), per repository in one usage_apply.
create function usage_drain(ns text) returns void language plpgsql set enable_seqscan = off as $$
declare
    repo    bigint;
    objects      text[];
    object_sizes bigint[];
    holders      int[];
begin
    perform usage_own_namespace(ns);
    for repo in select distinct repository_id from usage_backlog where namespace = ns order by 1 loop
        with taken as (delete from usage_backlog where namespace = ns and repository_id = repo
                       returning digests, sizes, counts),
        per_object as (select o.digest, max(o.size) as size, sum(o.n)::int as n
                       from taken t, unnest(t.digests, t.sizes, t.counts) as o(digest, size, n)
                       group by o.digest)
        select array_agg(digest order by digest), array_agg(size order by digest), array_agg(n order by digest)
        into objects, object_sizes, holders from per_object;
        if objects is not null then
            perform usage_apply(repo, ns, objects, object_sizes, holders);
        end if;
    end loop;
end $$;

-- V8's function, draining the namespace first (rule 3 above).
create or replace function usage_manifest_deleted() returns trigger language plpgsql set enable_seqscan = off as $$
declare
    ns      text;
    digests text[];
    counts  int[];
begin
    select namespace into ns from repository_usage where repository_id = old.repository_id;
    if ns is not null then
        perform usage_drain(ns);
    end if;
    select array_agg(digest order by digest), array_agg(n order by digest) into digests, counts
    from (select digest, count(*)::int as n
          from (select old.digest as digest
                union all
                select digest from manifest_references
                where manifest_id = old.id and kind in ('config', 'layer')) held
          group by digest) per_object;
    perform usage_remove(old.repository_id, digests, counts);
    return old;
end $$;
