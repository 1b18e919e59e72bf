-- A stamp per repository that changes whenever its tag names do, so that a replica can serve tag
-- pages from memory while they are unchanged (issue 13; metadata.TagPages).
--
-- The stamp must be exact across replicas (a tag pushed to one is listed by the next request to
-- any other), cheap to read (an index probe per page), and written without a row that every push
-- into the repository locks until its commit: V12 removed those because they ran the pushes into
-- one repository one at a time. So every statement that changes a repository's tag names inserts
-- a row here, never updates one, and a repository's stamp is the sum of its rows. Rows are
-- otherwise only folded (deleted and replaced by one row holding their sum, in one statement), so
-- the sum never falls and every commit that changed a repository's tag names raised it by at least
-- one: two snapshots that read the same sum saw the same names. Snapshots taken one after the
-- other see growing sets of commits, which is what makes equal sums mean equal names.
--
-- There is no foreign key: a repository's deletion cascades to its tags, whose trigger then inserts
-- a row for a repository that is gone. The scheduled fold (metadata.TagChangeFolding) removes such
-- rows; repository ids are never reused.
create table tag_changes (
    repository_id bigint not null,
    changes       bigint not null check (changes > 0)
);
-- changes in the key: a stamp reads a repository's first rows in this order (metadata.TagPages)
create index tag_changes_by_repository on tag_changes (repository_id, changes);

-- One row per repository whose tag names the statement changed. A page holds only names, so an
-- update that repoints a tag (every push of `latest`, an upsert's no-op update) changes nothing;
-- an update that renamed or moved a tag counts for both repositories.
create function tag_changes_record() returns trigger language plpgsql as $$
begin
    insert into tag_changes (repository_id, changes)
    select repository_id, 1 from changed_tags group by repository_id;
    return null;
end $$;

create function tag_changes_record_update() returns trigger language plpgsql as $$
begin
    insert into tag_changes (repository_id, changes)
    select repository_id, 1
    from ((select repository_id, name from new_tags except all select repository_id, name from old_tags)
          union all
          (select repository_id, name from old_tags except all select repository_id, name from new_tags)) moved
    group by repository_id;
    return null;
end $$;

-- TRUNCATE has no rows to tell: it moves every repository's stamp. No registry code truncates tags.
create function tag_changes_record_truncate() returns trigger language plpgsql as $$
begin
    insert into tag_changes (repository_id, changes) select id, 1 from repositories;
    return null;
end $$;

-- A transition table belongs to one event, hence a trigger per event.
create trigger tags_inserted_stamp after insert on tags referencing new table as changed_tags
    for each statement execute function tag_changes_record();
create trigger tags_updated_stamp after update on tags referencing old table as old_tags new table as new_tags
    for each statement execute function tag_changes_record_update();
create trigger tags_deleted_stamp after delete on tags referencing old table as changed_tags
    for each statement execute function tag_changes_record();
create trigger tags_truncated_stamp after truncate on tags
    for each statement execute function tag_changes_record_truncate();

-- Writes with triggers off (session_replication_role = replica, as logical replication's apply and
-- pg_restore --disable-triggers use, or ALTER TABLE ... DISABLE TRIGGER) do not move the stamps:
-- after such a write, restart the registry's replicas (their caches are in memory). A restore or
-- a failover to a new server needs nothing: the cache is keyed by the server's start time too.
