-- Build triggers: a git repository whose pushes (announced by a signed webhook) queue builds.

-- One row per trigger. The webhook secret is needed in plain text to verify HMAC signatures, so
-- it is sealed (AES-GCM with the build service's key, like build secrets) rather than hashed.
create table build_triggers (
    id                       bigserial primary key,
    repository               text collate "C" not null,
    git_url                  text not null,
    -- glob patterns; a branch push builds when one of `branches` matches, a tag push when one of
    -- `tags` does; an empty list matches nothing
    branches                 text[] not null default '{}',
    tags                     text[] not null default '{}',
    dockerfile               text not null default 'Dockerfile',
    subdir                   text,
    -- e.g. {"{branch}", "{sha:7}"}; rendered per push into the tags of the build
    tag_templates            text[] not null,
    -- also tag `latest` when a branch push is to the repository's default branch
    latest_on_default_branch boolean not null default false,
    build_args               jsonb not null default '{}',
    platforms                text[] not null default '{}',
    webhook_secret           bytea not null,
    -- an HTTPS token or SSH deploy key for a private repository; null for a public one
    git_secret               bytea,
    -- the account the builds run as (their push credential acts for it)
    created_by               text,
    created_at               timestamptz not null default now(),
    enabled                  boolean not null default true
);
create index build_triggers_by_repository on build_triggers (repository, id);

-- Deliveries received with a valid signature: the primary key is the replay protection (a
-- delivery id is inserted before anything is queued, so a second one finds the first), and the
-- rows are the trigger's delivery log.
create table build_trigger_deliveries (
    trigger_id  bigint not null references build_triggers (id) on delete cascade,
    delivery_id text not null,
    received_at timestamptz not null default now(),
    ref         text,
    sha         text,
    -- queued or ignored ('received' only inside the transaction handling it)
    outcome     text not null,
    reason      text,
    build_id    bigint references builds (id) on delete set null,
    primary key (trigger_id, delivery_id)
);
create index build_trigger_deliveries_recent on build_trigger_deliveries (trigger_id, received_at desc);
