-- Online garbage collection (docs/gc.md): what each run did, and the files the blob store holds
-- with no blobs row, seen by a run and deleted by a later one once older than the grace.

create table gc_runs (
    id                 bigserial primary key,
    trigger            text not null check (trigger in ('schedule', 'api')),
    requested_by       text,
    started_at         timestamptz not null default now(),
    finished_at        timestamptz,
    links_removed      bigint not null default 0,
    blobs_deleted      bigint not null default 0,
    bytes_freed        bigint not null default 0,
    orphan_files_deleted bigint not null default 0,
    errors             int not null default 0,
    last_error         text
);
create index gc_runs_recent on gc_runs (id desc);

-- Bytes in the store that no blobs row describes (a crash between commit and insert, a failed
-- delete after the row went). first_seen_at starts the grace; a file seen again after the grace
-- and still without a row is deleted.
create table gc_orphan_files (
    digest        text primary key,
    first_seen_at timestamptz not null default now(),
    last_seen_at  timestamptz not null default now()
);

