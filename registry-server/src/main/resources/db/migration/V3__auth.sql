-- Authentication: users, refresh tokens, repository visibility and the audit log.

-- Private repositories are pulled only by their namespace's owner and the admin; public ones by
-- anyone. A constant default makes this a catalog-only change, however many rows there are.
alter table repositories add column visibility text not null default 'private'
    check (visibility in ('private', 'public'));

-- Each user owns the namespace named like them (the first component of a repository name).
-- password_hash carries its algorithm as a {id} prefix (Spring Security's DelegatingPasswordEncoder).
create table users (
    id                  bigserial primary key,
    username            text collate "C" not null unique,
    password_hash       text not null,
    admin               boolean not null default false,
    created_at          timestamptz not null default now(),
    password_changed_at timestamptz not null default now()
);

-- Refresh tokens (what docker login keeps instead of the password), stored only as SHA-256 of the
-- token; a password change deletes the user's.
create table refresh_tokens (
    token_sha256 text primary key,
    user_id      bigint not null references users (id) on delete cascade,
    created_at   timestamptz not null default now(),
    expires_at   timestamptz not null
);
create index refresh_tokens_by_user on refresh_tokens (user_id);

-- Who did what from where. actor is the authenticated user, or the name a failed login claimed,
-- or null for anonymous callers. Failed logins are counted from here for the rate limit, on
-- every replica alike.
create table audit_log (
    id             bigserial primary key,
    at             timestamptz not null default now(),
    event          text not null,
    actor          text,
    client_address text,
    detail         jsonb
);
create index audit_log_by_time on audit_log (at);
create index audit_log_failed_logins_by_actor on audit_log (actor, at) where event = 'login.failure';
create index audit_log_failed_logins_by_address on audit_log (client_address, at) where event = 'login.failure';
