-- Remote builds: the queue, the leases workers hold on them, and their logs.

-- One row per build. The queue is the rows in 'queued' (and 'running' ones whose lease expired),
-- taken oldest first with FOR UPDATE SKIP LOCKED, so no two workers get one build at once.
-- `attempt` counts leases: every worker call names the attempt it holds, so a worker that lost
-- its lease (killed, partitioned) can no longer write to the build.
create table builds (
    id               bigserial primary key,
    repository       text collate "C" not null,
    -- what to build: tags, source (context digest or git), Dockerfile, args, platforms, ...
    spec             jsonb not null,
    -- AES-GCM sealed JSON of the named secrets; cleared when the build ends
    secrets          bytea,
    status           text not null default 'queued'
                     check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    step             text,
    submitted_by     text,
    client_address   text,
    created_at       timestamptz not null default now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    attempt          int not null default 0,
    worker           text,
    lease_expires_at timestamptz,
    -- SHA-256 of the push credential handed to the worker holding the current lease
    credential_hash  bytea,
    cancel_requested boolean not null default false,
    digest           text,
    error            text,
    log_lines        int not null default 0
);
create index builds_waiting on builds (id) where status in ('queued', 'running');
create index builds_by_repository on builds (repository, id desc);
create index builds_finished on builds (finished_at) where finished_at is not null;

-- Log lines, numbered from 1 per build; the number is the SSE event id a reconnect resumes from.
create table build_log (
    build_id bigint not null references builds (id) on delete cascade,
    line_no  int not null,
    at       timestamptz not null default now(),
    line     text not null,
    primary key (build_id, line_no)
);

-- Workers seen lately (they ask for work at least every long-poll interval).
create table build_workers (
    name      text primary key,
    last_seen timestamptz not null default now()
);
