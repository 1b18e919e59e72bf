-- The usage triggers plan their queries with enable_seqscan off (issue 13).
--
-- A PL/pgSQL query's plan is cached per connection. On a new registry's empty tables the
-- planner chose a sequential scan for usage_references_inserted's join of its transition table
-- with manifests, each pooled connection kept that plan, and every push read the whole manifests
-- table until the first autoanalyze (up to a minute) invalidated it: 30.9 M rows read over a new
-- registry's first 8,000 manifest PUTs, PostgreSQL's time per PUT rising with the table
-- (docs/benchmarks.md). Every table these functions read is reached by its key, so an index
-- probe is the right plan at any size; with sequential scans off the planner takes it whatever
-- the statistics say (a transition table or an unnest has no index and is still scanned; off
-- is a cost penalty, not a ban). A function's SET holds for its whole call, so usage_add and
-- usage_remove, called from these triggers, plan the same way.
--
-- ALTER FUNCTION takes no lock on the tables: a rolling upgrade's pushes do not wait for it.
alter function usage_manifest_inserted() set enable_seqscan = off;
alter function usage_references_inserted() set enable_seqscan = off;
alter function usage_manifest_deleted() set enable_seqscan = off;
