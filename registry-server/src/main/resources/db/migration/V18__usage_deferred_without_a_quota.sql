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
-- (usage_quota_set). A namespace with a quota is counted at every push, as before.
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
-- 4. Setting a quota drains under the same exclusive lock, in a trigger on namespace_quotas (so
--    also when a replica of the previous version sets it): pushes whose trigger runs after that
--    commit see the quota and count at once, and none is left in the backlog to make the quota
--    check's figures low.
-- 5. The backlog path still records the repository's namespace in repository_usage, which a
--    delete after the repository itself is gone needs to find the namespace to drain.
--
-- Reads do not wait: UsageStore drains with usage_try_drain, which counts only if the namespace's
-- lock is free at once. A read while pushes into the namespace are under way is then behind by
-- what has been pushed since the last drain (at most the drain interval, 10 s by default), and it
-- neither waits for those pushes nor, by queueing an exclusive request, makes new ones wait.
--
-- A delete's trigger drains once per transaction and namespace (the setting
-- stevedore.usage_drained names the namespace last drained; a backlog row of the namespace
-- inserted by the same transaction clears it): the exclusive lock it then holds keeps other
-- transactions' rows out, and a repository's cascade of thousands of manifests would otherwise
-- revisit the rows the first drain deleted, which stay in the index until vacuum, once per row.
--
-- usage_add keeps its name and arguments, so the two V8 triggers that call it do not change;
-- its V14 body, which counts at once, is kept as usage_apply. ALTER FUNCTION takes no lock on the
-- tables. A replica of the previous version reads figures without draining them, so during a
-- rolling upgrade its usage pages can lag until the scheduled drain of a new replica. To run a
-- version before this one on the database again, undo this migration's functions first:
--   select usage_drain(namespace) from (select distinct namespace from usage_backlog) n;
--   drop trigger usage_quota_set on namespace_quotas;
--   drop function usage_add(bigint, text, text[], bigint[], int[]);
--   alter function usage_apply(bigint, text, text[], bigint[], int[]) rename to usage_add;
-- (and usage_manifest_deleted as V8 created it, with V16's setting).

create table usage_backlog (
    namespace     text collate "C" not null,
    repository_id bigint not null,
    digests       text[] not null,
    sizes         bigint[] not null,
    counts        int[] not null
);
create index usage_backlog_by_namespace on usage_backlog (namespace, repository_id);

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
    if current_setting('stevedore.usage_drained', true) = ns then
        perform set_config('stevedore.usage_drained', '', true); -- this transaction's delete drained it before
    end if;
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

-- Drains only if no push or delete of the namespace is under way; whether it drained.
create function usage_try_drain(ns text) returns boolean language plpgsql set enable_seqscan = off as $$
begin
    if not pg_try_advisory_xact_lock(1431519559, hashtext(ns)) then -- usage_own_namespace's lock
        return false;
    end if;
    perform usage_drain(ns);
    return true;
end $$;

-- Rule 4 above, whoever sets the quota.
create function usage_quota_set() returns trigger language plpgsql set enable_seqscan = off as $$
begin
    perform usage_drain(new.namespace);
    return null;
end $$;
create trigger usage_quota_set after insert or update of limit_bytes on namespace_quotas
    for each row execute function usage_quota_set();

-- V8's function, draining the namespace first (rule 3 above), once per transaction.
create or replace function usage_manifest_deleted() returns trigger language plpgsql set enable_seqscan = off as $$
declare
    ns      text;
    digests text[];
    counts  int[];
begin
    select namespace into ns from repository_usage where repository_id = old.repository_id;
    if ns is not null and current_setting('stevedore.usage_drained', true) is distinct from ns then
        perform usage_drain(ns);
        perform set_config('stevedore.usage_drained', ns, true);
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
