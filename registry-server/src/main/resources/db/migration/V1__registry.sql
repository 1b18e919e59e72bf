-- Registry metadata. PostgreSQL is the source of truth for what exists; the blob store only
-- holds bytes. Names and tags use the "C" collation so listings sort bytewise, as the spec wants.

create table repositories (
    id          bigserial primary key,
    name        text collate "C" not null unique,
    created_at  timestamptz not null default now()
);

-- Each blob once, whatever the number of repositories using it.
create table blobs (
    digest      text primary key,
    size        bigint not null check (size >= 0),
    created_at  timestamptz not null default now()
);

-- Which repositories may serve which blobs (a push or a mount links them).
create table repository_blobs (
    repository_id bigint not null references repositories (id) on delete cascade,
    digest        text not null references blobs (digest),
    created_at    timestamptz not null default now(),
    primary key (repository_id, digest)
);
create index repository_blobs_by_digest on repository_blobs (digest);

-- Manifests, byte-exact as pushed (at most 4 MiB each).
create table manifests (
    id             bigserial primary key,
    repository_id  bigint not null references repositories (id) on delete cascade,
    digest         text not null,
    media_type     text not null,
    artifact_type  text,
    size           bigint not null,
    content        bytea not null,
    subject_digest text,
    annotations    jsonb,
    created_at     timestamptz not null default now(),
    unique (repository_id, digest)
);
create index manifests_by_subject on manifests (repository_id, subject_digest) where subject_digest is not null;

-- What a manifest points at: its config and layers (blobs) or its child manifests (an index).
create table manifest_references (
    manifest_id  bigint not null references manifests (id) on delete cascade,
    position     int not null,
    kind         text not null check (kind in ('config', 'layer', 'manifest')),
    digest       text not null,
    media_type   text not null,
    size         bigint not null,
    primary key (manifest_id, position)
);
create index manifest_references_by_digest on manifest_references (digest);

create table tags (
    repository_id bigint not null references repositories (id) on delete cascade,
    name          text collate "C" not null,
    manifest_id   bigint not null references manifests (id) on delete cascade,
    updated_at    timestamptz not null default now(),
    primary key (repository_id, name)
);
create index tags_by_manifest on tags (manifest_id);

-- Upload sessions: the state any replica needs to continue one (the bytes are in the blob store).
create table uploads (
    id            uuid primary key,
    repository_id bigint not null references repositories (id) on delete cascade,
    size          bigint not null default 0,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
