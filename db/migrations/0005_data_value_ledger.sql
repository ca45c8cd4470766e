-- 0005: data_value_ledger - the append-only audit trail of accepted data values.
--
-- One row per changed value: who (principal), when (recorded_at), in which import/push
-- (batch_id), for which org unit / indicator / year / disaggregation, and the value before
-- and after (numerator, denominator and value; NULL where the kind has none or there was no
-- previous value). disaggregation '' is the total; otherwise 'key=value' pairs joined by ';'
-- in a fixed order, e.g. 'area=urban;sex=female'.
--
-- Rows can only be inserted: UPDATE and DELETE raise. (TRUNCATE is deliberately left to the
-- database owner, for test fixtures and operator-run retention.)
--
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

CREATE TABLE IF NOT EXISTS data_value_ledger
(
    id              bigserial   NOT NULL,
    batch_id        uuid        NOT NULL,
    principal       text        NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    org_unit        char(6)     NOT NULL,
    indicator       text        NOT NULL,
    year            integer     NOT NULL,
    disaggregation  text        NOT NULL DEFAULT '',
    old_numerator   numeric     NULL,
    old_denominator numeric     NULL,
    old_value       numeric     NULL,
    new_numerator   numeric     NULL,
    new_denominator numeric     NULL,
    new_value       numeric     NULL,
    department      text        NULL,
    CONSTRAINT data_value_ledger_pkey PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS data_value_ledger_org_unit_indicator_year_ix
    ON data_value_ledger (org_unit, indicator, year);

CREATE INDEX IF NOT EXISTS data_value_ledger_batch_id_ix
    ON data_value_ledger (batch_id);

CREATE OR REPLACE FUNCTION data_value_ledger_append_only()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE EXCEPTION 'data_value_ledger is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Record a correcting entry instead of changing history.';
END;
$fn$;

CREATE OR REPLACE TRIGGER data_value_ledger_append_only_trg
    BEFORE UPDATE OR DELETE ON data_value_ledger
    FOR EACH ROW EXECUTE FUNCTION data_value_ledger_append_only();
