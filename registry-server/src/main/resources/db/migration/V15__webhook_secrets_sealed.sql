-- Webhook secrets sealed like build secrets (AES-GCM under the registry's sealing key,
-- registry.builds.secret-key), so that a database dump or backup shows none of them. V10 kept them
-- as given; webhooks.WebhookSecrets seals plain ones at each start, and every write stores only
-- the sealed form.
-- During a rolling upgrade a replica still on the old code finds no plain secret for a sealed
-- webhook and fails that delivery attempt (a new replica delivers it on the next one); a secret it
-- changes is written in plain beside the older sealed one, signs from then on, and is sealed at
-- the next start of a new replica.
alter table webhooks add column sealed_secret bytea;
alter table webhooks alter column secret drop not null;
alter table webhooks add constraint webhooks_secret_kept check (secret is not null or sealed_secret is not null);
