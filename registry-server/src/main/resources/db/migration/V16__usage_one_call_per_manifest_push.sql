-- A manifest push counts its storage usage in one usage_add call instead of two (issue 13).
--
-- V8 counted a new manifest's own bytes in a row trigger on manifests and the config and layers
-- it references in a statement trigger on manifest_references: two usage_add calls per push,
-- each taking the namespace's usage lock, inserting the repository's usage row if missing, and
-- running its own statements over repository_usage_objects. Measured with pg_stat_statements on
-- the manifest-put benchmark (docs/benchmarks.md): the two triggers were 0.87 ms of the manifest
-- statement's 1.27 ms, the largest part of PostgreSQL's time per push.
--
-- Both now happen in one statement trigger on manifests. ManifestStore inserts a manifest and its
-- references in one statement (references only for a manifest row that statement created), and
-- AFTER triggers run when that whole statement is done, their queries seeing all it inserted; so
-- the trigger finds the new manifests in its transition table and their references by the
-- manifest_references key. Per repository, in name order as before, one call gets the manifests'
-- own digests and their configs' and layers' digests together, sorted, counted as V8 counted
-- them: a reference is one holder, the manifest's own row one more, sizes from the manifest row
-- or the blobs table (0 for a blob not there). The lock order of V12's rule 4 is unchanged: rows
-- in digest order, now one sorted list rather than the manifest's row first.
--
-- References are only ever inserted with their manifest, so nothing else relies on the
-- references trigger, which goes; deletes are unchanged.
--
-- The function plans with enable_seqscan off (usage_add, which it calls, inherits the setting).
-- A PL/pgSQL query's plan is cached per connection; V8's trigger, planned on a new registry's
-- empty tables, joined its transition table with manifests by a sequential scan and kept doing
-- so on every push until the first autoanalyze replanned it: 30.7 M rows read over a new
-- registry's first 8,000 PUTs (docs/benchmarks.md). Every table here is reached by its key, so
-- an index probe is the right plan at any size; off makes the planner take it whatever the
-- statistics say (a transition table has no index and is still scanned).

create function usage_manifests_inserted() returns trigger language plpgsql as $$
declare
    r record;
begin
    for r in
        with held as (
            select c.repository_id, c.digest, c.size from created c
            union all
            select c.repository_id, mr.digest, coalesce(b.size, 0)
            from created c
            join manifest_references mr on mr.manifest_id = c.id and mr.kind in ('config', 'layer')
            left join blobs b on b.digest = mr.digest),
        per_object as (
            select repository_id, digest, max(size) as size, count(*)::int as n
            from held group by repository_id, digest)
        select po.repository_id, split_part(rp.name, '/', 1) as namespace,
               array_agg(po.digest order by po.digest) as digests,
               array_agg(po.size order by po.digest) as sizes,
               array_agg(po.n order by po.digest) as counts
        from per_object po join repositories rp on rp.id = po.repository_id
        group by po.repository_id, rp.name
        order by rp.name
    loop
        perform usage_add(r.repository_id, r.namespace, r.digests, r.sizes, r.counts);
    end loop;
    return null;
end $$ set enable_seqscan = off;

drop trigger usage_manifest_inserted on manifests;
drop trigger usage_references_inserted on manifest_references;
create trigger usage_manifests_inserted after insert on manifests
    referencing new table as created
    for each statement execute function usage_manifests_inserted();
drop function usage_manifest_inserted();
drop function usage_references_inserted();
