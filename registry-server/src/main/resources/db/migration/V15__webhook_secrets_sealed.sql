-- Webhook secrets sealed like build secrets (AES-GCM under the registry's sealing key,
-- registry.builds.secret-key), so that a database dump or backup shows none of them. V10 kept them
-- as given; webhooks.WebhookSecrets seals those rows at the first start after this migration, and
-- every write stores only the sealed form. During a rolling upgrade a replica still on the old
-- code finds no plain secret for a sealed webhook and fails its delivery attempt; a new replica
-- delivers it on the next attempt.
alter table webhooks add column sealed_secret bytea;
alter table webhooks alter column secret drop not null;
alter table webhooks add constraint webhooks_secret_kept check (secret is not null or sealed_secret is not null);
