-- Retention policies and immutable tag rules, each set on one repository or on a whole namespace
-- (a user's or an organization's). A repository's retention policy replaces its namespace's; its
-- immutable tag patterns add to its namespace's.

create table retention_policies (
    kind                 text not null check (kind in ('repository', 'namespace')),
    -- the repository name, or the namespace
    target               text collate "C" not null,
    -- [{"pattern": "v*", "keepLast": 3}, ...]: of the tags matching a pattern, the last N pushed
    -- are kept and the others deleted; tags that no rule's pattern matches are kept
    keep_rules           jsonb not null default '[]',
    -- tags matching one of these are never deleted
    protect              text[] not null default '{}',
    -- untagged manifests pushed longer ago than this are deleted; null: never
    untagged_older_than  interval,
    updated_by           text,
    updated_at           timestamptz not null default now(),
    last_run_at          timestamptz,
    last_run_tags        int,
    last_run_manifests   int,
    primary key (kind, target)
);

create table immutable_tag_rules (
    kind       text not null check (kind in ('repository', 'namespace')),
    target     text collate "C" not null,
    patterns   text[] not null,
    updated_by text,
    updated_at timestamptz not null default now(),
    primary key (kind, target)
);
