-- 0009: data_value_ledger idempotent per push, not per row.
--
-- The silo appends a push's ledger rows with one binary COPY, after checking (in the same transaction, under an
-- advisory lock on the batch) that the batch has no rows for that org unit yet: a county appends a batch's rows in one
-- call, once every indicator has applied it, so they are committed together or not at all, and a replayed batch
-- produces the same rows (src/Silo/Hosting/PostgresDataValueLedger.cs). The five-column unique index of 0006, which
-- made INSERT … ON CONFLICT skip replayed rows one by one, is therefore dropped: it was the most expensive part of the
-- largest statement of a push after the state writes (docs/benchmarks.md). The batch_id index of 0005 serves the check
-- and the audit's "rows of these batches" query.
--
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

CREATE INDEX IF NOT EXISTS data_value_ledger_batch_id_ix
    ON data_value_ledger (batch_id);

DROP INDEX IF EXISTS data_value_ledger_batch_cell_ux;
