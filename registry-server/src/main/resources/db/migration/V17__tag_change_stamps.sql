-- A stamp per repository that changes whenever its tags do, so that a replica can serve tag
-- pages from memory while they are unchanged (issue 13; metadata.TagPages).
--
-- The stamp must be exact across replicas (a tag pushed to one is listed by the next request to
-- any other), cheap to read (an index probe per page), and written without a row that every push
-- into the repository locks until its commit: V12 removed those because they ran the pushes into
-- one repository one at a time. So every statement that changes tags inserts a row here, never
-- updates one, and a repository's stamp is the sum of its rows. Rows are otherwise only folded
-- (deleted and replaced by one row holding their sum, in one statement), so the sum never falls
-- and every commit that changed a repository's tags raised it by at least one: two snapshots that
-- read the same sum saw the same tags. Snapshots taken one after the other see growing sets of
-- commits, which is what makes equal sums mean equal tags.
--
-- There is no foreign key: a repository's deletion cascades to its tags, whose trigger then inserts
-- a row for a repository that is gone. The fold removes such rows; repository ids are never reused.
create table tag_changes (
    repository_id bigint not null,
    changes       bigint not null check (changes > 0)
);
create index tag_changes_by_repository on tag_changes (repository_id) include (changes);

-- One row per repository whose tags the statement changed (an upsert's no-op update counts too:
-- a stamp that moves without a change only costs a cached page).
create function tag_changes_record() returns trigger language plpgsql as $$
begin
    insert into tag_changes (repository_id, changes)
    select repository_id, 1 from changed_tags group by repository_id;
    return null;
end $$;

-- A transition table belongs to one event, hence three triggers.
create trigger tags_inserted_stamp after insert on tags referencing new table as changed_tags
    for each statement execute function tag_changes_record();
create trigger tags_updated_stamp after update on tags referencing new table as changed_tags
    for each statement execute function tag_changes_record();
create trigger tags_deleted_stamp after delete on tags referencing old table as changed_tags
    for each statement execute function tag_changes_record();
