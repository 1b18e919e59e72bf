-- What the blob store needs to continue an upload session in any process (for S3: the multipart
-- upload id and its parts). Opaque to the registry; null for stores that need none.
alter table uploads add column storage_state text;
