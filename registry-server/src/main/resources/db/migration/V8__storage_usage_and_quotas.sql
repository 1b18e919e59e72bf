-- Storage usage per repository, per namespace and for the site, exact at every moment; quotas
-- per namespace.
--
-- What counts: a manifest's own bytes and the blobs its config and layers name, at their size in
-- `blobs` (what is stored, not what the manifest's descriptors claim: a client could understate
-- those). An index's children are manifests and count as such. Each object (a digest) counts
-- once in a repository however many of its manifests hold it, once in a namespace however many
-- of its repositories hold it, and once in the site total. Tags do not matter: an untagged
-- manifest occupies its bytes until it is deleted. A layer this registry does not hold (a
-- non-distributable layer, which lives elsewhere) counts 0.
--
-- Maintained, not recounted: how many holders each object has (manifests in a repository,
-- repositories in a namespace), kept by the triggers below in the very transaction that inserts
-- or deletes the manifest. Triggers rather than calls from the application, because manifests
-- disappear by several paths (DELETE by digest, the cascade from a deleted repository, garbage
-- collection's and retention's deletes) and each must keep the figures exact; a trigger is not
-- forgotten by a path added later. A recount of a namespace of 10,000 manifests took ~0.5 s
-- (README, "Storage usage and quotas"), too much under the lock every push into it takes; the
-- lookup of one manifest's few digests took ~5 ms on the same loaded machine.
--
-- Concurrency: every change to a namespace's figures first locks its namespace_usage row, so
-- changes within a namespace are serialised, and a push that checks the quota under that lock
-- sees exactly the usage it adds to. Lock order everywhere: content rows (manifests, blob links)
-- first, then the namespace row, then the counts below it.

-- One row per namespace that has held anything; the row every change locks first.
create table namespace_usage (
    namespace text collate "C" primary key,
    bytes     bigint not null default 0 check (bytes >= 0)
);

-- holders: how many repositories of the namespace hold the object.
create table namespace_usage_objects (
    namespace text collate "C" not null,
    digest    text not null,
    size      bigint not null,
    holders   int not null check (holders > 0),
    primary key (namespace, digest)
);
-- the site total counts each digest once
create index namespace_usage_objects_by_digest on namespace_usage_objects (digest) include (size);

-- One row per repository holding at least one manifest. No foreign key to repositories: when a
-- repository is deleted, its manifests' delete triggers still need the namespace recorded here.
create table repository_usage (
    repository_id bigint primary key,
    namespace     text collate "C" not null,
    bytes         bigint not null default 0 check (bytes >= 0)
);
create index repository_usage_by_namespace on repository_usage (namespace);

-- holders: how many manifests of the repository hold the object (itself, or as config or layer).
create table repository_usage_objects (
    repository_id bigint not null,
    digest        text not null,
    size          bigint not null,
    holders       int not null check (holders > 0),
    primary key (repository_id, digest)
);

-- Set by a site admin; gone with the namespace's user or organization.
create table namespace_quotas (
    namespace   text collate "C" primary key references namespaces (name) on delete cascade,
    limit_bytes bigint not null check (limit_bytes >= 0),
    updated_at  timestamptz not null default now(),
    updated_by  text
);

-- Locks the namespace's figures, creating its row on first use.
create function usage_lock_namespace(ns text) returns void language plpgsql as $$
begin
    insert into namespace_usage (namespace) values (ns) on conflict do nothing;
    perform 1 from namespace_usage where namespace = ns for update;
end $$;

-- counts[i] more holders of digests[i] (sizes[i] bytes) in the repository; digests distinct.
create function usage_add(repo bigint, ns text, digests text[], sizes bigint[], counts int[])
returns void language plpgsql as $$
declare
    fresh_digests text[];
    fresh_sizes   bigint[];
    namespace_added bigint;
begin
    perform usage_lock_namespace(ns);
    insert into repository_usage (repository_id, namespace) values (repo, ns) on conflict do nothing;
    with o as (select * from unnest(digests, sizes, counts) as o(digest, size, n)),
    bumped as (update repository_usage_objects ro set holders = ro.holders + o.n from o
               where ro.repository_id = repo and ro.digest = o.digest returning ro.digest),
    fresh as (insert into repository_usage_objects (repository_id, digest, size, holders)
              select repo, o.digest, o.size, o.n from o where o.digest not in (select digest from bumped)
              returning digest, size)
    select array_agg(digest), array_agg(size) into fresh_digests, fresh_sizes from fresh;
    if fresh_digests is null then
        return;
    end if;
    update repository_usage set bytes = bytes + (select sum(s) from unnest(fresh_sizes) s)
    where repository_id = repo;
    -- objects new to the repository have one more repository holding them in the namespace
    with o as (select * from unnest(fresh_digests, fresh_sizes) as o(digest, size)),
    bumped as (update namespace_usage_objects nuo set holders = nuo.holders + 1 from o
               where nuo.namespace = ns and nuo.digest = o.digest returning nuo.digest),
    fresh as (insert into namespace_usage_objects (namespace, digest, size, holders)
              select ns, o.digest, o.size, 1 from o where o.digest not in (select digest from bumped)
              returning size)
    select coalesce(sum(size), 0) into namespace_added from fresh;
    update namespace_usage set bytes = bytes + namespace_added where namespace = ns;
end $$;

-- counts[i] fewer holders of digests[i] in the repository; digests distinct.
create function usage_remove(repo bigint, digests text[], counts int[]) returns void language plpgsql as $$
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
    perform usage_lock_namespace(ns);
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
    if exists (select 1 from repository_usage_objects where repository_id = repo) then
        update repository_usage set bytes = bytes - (select sum(s) from unnest(gone_sizes) s)
        where repository_id = repo;
    else
        delete from repository_usage where repository_id = repo;
    end if;
    -- objects gone from the repository have one repository fewer holding them in the namespace
    -- (the last holder's rows go first: decremented first, others would look like last holders)
    with gone as (delete from namespace_usage_objects
                  where namespace = ns and digest = any (gone_digests) and holders = 1 returning size)
    select coalesce(sum(size), 0) into namespace_freed from gone;
    update namespace_usage_objects set holders = holders - 1
    where namespace = ns and digest = any (gone_digests);
    update namespace_usage set bytes = bytes - namespace_freed where namespace = ns;
end $$;

create function usage_manifest_inserted() returns trigger language plpgsql as $$
begin
    perform usage_add(new.repository_id,
                      (select split_part(name, '/', 1) from repositories where id = new.repository_id),
                      array[new.digest], array[new.size], array[1]);
    return null;
end $$;
create trigger usage_manifest_inserted after insert on manifests
    for each row execute function usage_manifest_inserted();

-- A manifest's references are inserted in one statement after its row: counted here, per
-- repository, namespaces in name order (so that multi-namespace statements lock alike).
create function usage_references_inserted() returns trigger language plpgsql as $$
declare
    r record;
begin
    for r in
        with per_object as (
            select m.repository_id, a.digest, coalesce(max(b.size), 0) as size, count(*)::int as n
            from added a
            join manifests m on m.id = a.manifest_id
            left join blobs b on b.digest = a.digest
            where a.kind in ('config', 'layer')
            group by m.repository_id, a.digest)
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
end $$;
create trigger usage_references_inserted after insert on manifest_references
    referencing new table as added
    for each statement execute function usage_references_inserted();

-- Before the row goes, while its references (removed by the cascade after it) are still there.
-- Covers every way a manifest is deleted, the cascade from its repository included.
create function usage_manifest_deleted() returns trigger language plpgsql as $$
declare
    digests text[];
    counts  int[];
begin
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
create trigger usage_manifest_deleted before delete on manifests
    for each row execute function usage_manifest_deleted();

-- What existed before this migration, counted once.
insert into repository_usage_objects (repository_id, digest, size, holders)
select repository_id, digest, max(size), count(*)
from (select m.repository_id, m.digest, m.size from manifests m
      union all
      select m.repository_id, r.digest, coalesce(b.size, 0)
      from manifest_references r
      join manifests m on m.id = r.manifest_id
      left join blobs b on b.digest = r.digest
      where r.kind in ('config', 'layer')) held
group by repository_id, digest;

insert into repository_usage (repository_id, namespace, bytes)
select ro.repository_id, split_part(r.name, '/', 1), sum(ro.size)
from repository_usage_objects ro join repositories r on r.id = ro.repository_id
group by ro.repository_id, r.name;

insert into namespace_usage_objects (namespace, digest, size, holders)
select ru.namespace, ro.digest, max(ro.size), count(*)
from repository_usage_objects ro join repository_usage ru on ru.repository_id = ro.repository_id
group by ru.namespace, ro.digest;

insert into namespace_usage (namespace, bytes)
select namespace, sum(size) from namespace_usage_objects group by namespace;
