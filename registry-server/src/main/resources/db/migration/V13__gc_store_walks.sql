-- Whether a garbage collection run walked the store for orphan files: runs walk only when no run
-- has within registry.gc.walk-interval (docs/gc.md), and this records which did. Every earlier
-- run walked.
alter table gc_runs add column store_walked boolean not null default false;
update gc_runs set store_walked = true;
