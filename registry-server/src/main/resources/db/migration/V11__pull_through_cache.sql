-- The pull-through cache (package proxy): which repositories it fills from an upstream, and when it
-- last asked the upstream what each of their tags points at. The content itself (manifests, tags,
-- blob links) lives in the ordinary tables, so garbage collection, retention and usage treat it
-- like pushed content.
create table proxy_repositories (
    repository_id bigint primary key references repositories (id) on delete cascade,
    upstream      text not null,
    created_at    timestamptz not null default now()
);

create table proxy_tags (
    repository_id bigint not null references repositories (id) on delete cascade,
    tag           text not null,
    checked_at    timestamptz not null,
    primary key (repository_id, tag)
);
