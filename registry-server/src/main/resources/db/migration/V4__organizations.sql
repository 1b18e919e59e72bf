-- Organizations, teams, robot accounts and personal access tokens.

-- Every namespace (the first component of repository names) belongs to exactly one user or one
-- organization. The (name, kind) foreign keys below let the database itself refuse a user and an
-- organization of the same name, whatever races the application has.
create table namespaces (
    name text collate "C" primary key,
    kind text not null check (kind in ('user', 'organization')),
    unique (name, kind)
);
insert into namespaces (name, kind) select username, 'user' from users;

alter table users add column namespace_kind text not null default 'user' check (namespace_kind = 'user');
alter table users add constraint users_namespace
    foreign key (username, namespace_kind) references namespaces (name, kind) on delete cascade;

create table organizations (
    id             bigserial primary key,
    name           text collate "C" not null unique,
    namespace_kind text not null default 'organization' check (namespace_kind = 'organization'),
    created_at     timestamptz not null default now(),
    foreign key (name, namespace_kind) references namespaces (name, kind) on delete cascade
);

-- An organization's admins may do everything under it, manage its members, teams and robots.
create table organization_members (
    organization_id bigint not null references organizations (id) on delete cascade,
    user_id         bigint not null references users (id) on delete cascade,
    admin           boolean not null default false,
    added_at        timestamptz not null default now(),
    primary key (organization_id, user_id)
);
create index organization_members_by_user on organization_members (user_id);

-- Robot accounts log in as <namespace>+<name> with a random token of which only the SHA-256 is
-- kept (a fast hash suffices for 256 random bits; Argon2 is for guessable passwords).
create table robots (
    id               bigserial primary key,
    namespace        text collate "C" not null references namespaces (name) on delete cascade,
    name             text collate "C" not null,
    token_sha256     text not null unique,
    created_at       timestamptz not null default now(),
    token_created_at timestamptz not null default now(),
    unique (namespace, name)
);

create table teams (
    id              bigserial primary key,
    organization_id bigint not null references organizations (id) on delete cascade,
    name            text collate "C" not null,
    created_at      timestamptz not null default now(),
    unique (organization_id, name)
);

-- A member is a user of the organization or one of its robots.
create table team_members (
    team_id  bigint not null references teams (id) on delete cascade,
    user_id  bigint references users (id) on delete cascade,
    robot_id bigint references robots (id) on delete cascade,
    check ((user_id is null) <> (robot_id is null))
);
create unique index team_members_users on team_members (team_id, user_id) where user_id is not null;
create unique index team_members_robots on team_members (team_id, robot_id) where robot_id is not null;
create index team_members_by_user on team_members (user_id) where user_id is not null;
create index team_members_by_robot on team_members (robot_id) where robot_id is not null;

-- Roles rank read < write < admin: read pulls, write also pushes, admin also deletes and sets
-- visibility. Grants name repositories, not their ids: a grant may precede the first push.
-- A team grant with no repository covers the whole organization.
create table team_permissions (
    team_id    bigint not null references teams (id) on delete cascade,
    repository text collate "C",
    role       text not null check (role in ('read', 'write', 'admin')),
    unique nulls not distinct (team_id, repository)
);

create table robot_permissions (
    robot_id   bigint not null references robots (id) on delete cascade,
    repository text collate "C" not null,
    role       text not null check (role in ('read', 'write', 'admin')),
    primary key (robot_id, repository)
);

-- Personal access tokens: usable wherever the user's password is; only their SHA-256 is kept.
create table access_tokens (
    id           bigserial primary key,
    user_id      bigint not null references users (id) on delete cascade,
    name         text not null,
    token_sha256 text not null unique,
    created_at   timestamptz not null default now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    unique (user_id, name)
);

-- A refresh token stands for a user, or a robot; one obtained with an access token dies with it.
alter table refresh_tokens alter column user_id drop not null;
alter table refresh_tokens add column robot_id bigint references robots (id) on delete cascade;
alter table refresh_tokens add column access_token_id bigint references access_tokens (id) on delete cascade;
alter table refresh_tokens add constraint refresh_tokens_one_holder check ((user_id is null) <> (robot_id is null));
create index refresh_tokens_by_robot on refresh_tokens (robot_id) where robot_id is not null;

-- Audit entries name the namespace and repository they concern, so that organization admins see
-- theirs and the API filters by repository without digging in the JSON detail.
alter table audit_log add column namespace text;
alter table audit_log add column repository text;
create index audit_log_by_namespace on audit_log (namespace, id) where namespace is not null;
create index audit_log_by_repository on audit_log (repository, id) where repository is not null;
create index audit_log_by_actor on audit_log (actor, id);
