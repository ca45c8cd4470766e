-- 0006: one ledger row per (batch, org unit, indicator, year, disaggregation).
--
-- A county records a batch before applying it and re-applies it if its silo dies midway; the replay appends the
-- batch's changes again with ON CONFLICT DO NOTHING, which needs this key. Idempotent.

CREATE UNIQUE INDEX IF NOT EXISTS data_value_ledger_batch_cell_ux
    ON data_value_ledger (batch_id, org_unit, indicator, year, disaggregation);
