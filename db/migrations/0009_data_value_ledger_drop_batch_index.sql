-- 0009: drop data_value_ledger_batch_id_ix.
--
-- The unique index of 0006, (batch_id, org_unit, indicator, year, disaggregation), leads with batch_id, so it serves
-- every "rows of this batch" lookup the single-column index served. Each ledger row paid for maintaining both: the
-- ledger insert is the largest statement of a push after the grain-state writes (docs/benchmarks.md), and this is
-- one of its four indexes.
--
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

DROP INDEX IF EXISTS data_value_ledger_batch_id_ix;
