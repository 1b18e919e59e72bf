-- Outbound webhooks: who wants to hear about what, the events (written in the same transaction as
-- the change they describe), and one delivery per event and webhook, with its attempts.

-- A webhook belongs to a namespace (a user or organization: every repository in it) or to one
-- repository, never both. A namespace's webhooks go with it, so whoever takes the name later
-- does not notify the former owner's URLs. The secret signs the bodies (HMAC-SHA256), so it is
-- kept as given.
create table webhooks (
    id          bigserial primary key,
    namespace   text collate "C" references namespaces (name) on delete cascade,
    repository  text collate "C",
    url         text not null,
    secret      text not null,
    events      text[] not null,
    enabled     boolean not null default true,
    created_by  text,
    created_at  timestamptz not null default now(),
    check ((namespace is null) <> (repository is null))
);
create index webhooks_by_namespace on webhooks (namespace) where namespace is not null;
create index webhooks_by_repository on webhooks (repository) where repository is not null;

-- An event some webhook wanted when it happened; `payload` is the exact JSON body sent (and signed).
create table webhook_events (
    id          bigserial primary key,
    uuid        uuid not null unique,
    type        text not null,
    namespace   text collate "C" not null,
    repository  text collate "C",
    payload     text not null,
    created_at  timestamptz not null default now()
);

-- One event to one webhook. Due while 'pending' and next_attempt_at has passed; a deliverer that
-- claims it moves next_attempt_at past its lease, so a replica that dies holding it gives it back.
-- `attempts` counts claims, so a stale deliverer cannot record over a newer attempt.
create table webhook_deliveries (
    id              bigserial primary key,
    webhook_id      bigint not null references webhooks (id) on delete cascade,
    event_id        bigint not null references webhook_events (id) on delete cascade,
    redelivery_of   bigint references webhook_deliveries (id) on delete set null,
    status          text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
    attempts        int not null default 0,
    next_attempt_at timestamptz not null default now(),
    created_at      timestamptz not null default now(),
    finished_at     timestamptz
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_by_webhook on webhook_deliveries (webhook_id, id desc);
create index webhook_deliveries_by_event on webhook_deliveries (event_id);
create index webhook_deliveries_finished on webhook_deliveries (finished_at) where finished_at is not null;

-- What each attempt got: the status code (null when none came), how long it took, the error, and
-- the first bytes of the response body.
create table webhook_attempts (
    delivery_id   bigint not null references webhook_deliveries (id) on delete cascade,
    attempt       int not null,
    started_at    timestamptz not null,
    response_code int,
    latency_ms    bigint not null,
    error         text,
    response_body text,
    primary key (delivery_id, attempt)
);
