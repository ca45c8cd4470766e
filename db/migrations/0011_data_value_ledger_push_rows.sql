-- 0011: the ledger stored one row per push; data_value_ledger_entries shows one row per changed value.
--
-- Until 0010 the silo appended one data_value_ledger row per changed value (a COPY per push). In the CPU profile of
-- the province ingest (docs/benchmarks.md, session 9) that COPY was about half of PostgreSQL's CPU — mostly inserting
-- every row into three b-tree indexes — and a tenth of the silo's (writing each field of each row). A push's entries
-- are written and read together (the audit asks for the entries of given batches), so they are now stored together:
-- one data_value_ledger_push row per (batch, org unit) with the entries' fields as parallel arrays (element i of every
-- array is entry i), compressed with the row.
--
-- data_value_ledger_entries is the one place to read the ledger: the per-value rows written before this migration
-- (data_value_ledger, kept as it is, still append-only) and the entries of every push row, with the columns of 0005
-- (without the row id). Nothing is copied: existing rows stay where they are.
--
-- Idempotency is per push, by the unique (batch_id, org_unit): a replayed push (a county finishing a recorded push
-- after a crash) inserts nothing; the silo's statement also skips a push already recorded in data_value_ledger by a
-- silo of an earlier version.
--
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

CREATE TABLE IF NOT EXISTS data_value_ledger_push
(
    id               bigserial   NOT NULL,
    batch_id         uuid        NOT NULL,
    org_unit         char(6)     NOT NULL,
    principal        text        NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    indicators       text[]      NOT NULL,
    years            integer[]   NOT NULL,
    disaggregations  text[]      NOT NULL,
    old_numerators   numeric[]   NOT NULL,
    old_denominators numeric[]   NOT NULL,
    old_values       numeric[]   NOT NULL,
    new_numerators   numeric[]   NOT NULL,
    new_denominators numeric[]   NOT NULL,
    new_values       numeric[]   NOT NULL,
    departments      text[]      NOT NULL,
    CONSTRAINT data_value_ledger_push_pkey PRIMARY KEY (id),
    CONSTRAINT data_value_ledger_push_batch_org_unit_key UNIQUE (batch_id, org_unit),
    -- Parallel arrays: one element per entry in every one of them.
    CONSTRAINT data_value_ledger_push_parallel CHECK (
        cardinality(indicators) > 0
        AND cardinality(years) = cardinality(indicators)
        AND cardinality(disaggregations) = cardinality(indicators)
        AND cardinality(old_numerators) = cardinality(indicators)
        AND cardinality(old_denominators) = cardinality(indicators)
        AND cardinality(old_values) = cardinality(indicators)
        AND cardinality(new_numerators) = cardinality(indicators)
        AND cardinality(new_denominators) = cardinality(indicators)
        AND cardinality(new_values) = cardinality(indicators)
        AND cardinality(departments) = cardinality(indicators))
);

-- A county's history ("what changed here, and when").
CREATE INDEX IF NOT EXISTS data_value_ledger_push_org_unit_recorded_at_ix
    ON data_value_ledger_push (org_unit, recorded_at);

CREATE OR REPLACE TRIGGER data_value_ledger_push_append_only_trg
    BEFORE UPDATE OR DELETE ON data_value_ledger_push
    FOR EACH ROW EXECUTE FUNCTION data_value_ledger_append_only();

DO $$
BEGIN
    ALTER TABLE data_value_ledger_push
        ALTER COLUMN indicators SET COMPRESSION lz4,
        ALTER COLUMN disaggregations SET COMPRESSION lz4,
        ALTER COLUMN departments SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'data_value_ledger_push keeps pglz: this server was built without LZ4';
END
$$;

CREATE OR REPLACE VIEW data_value_ledger_entries AS
SELECT l.batch_id, l.principal, l.recorded_at, l.org_unit, l.indicator, l.year, l.disaggregation,
       l.old_numerator, l.old_denominator, l.old_value, l.new_numerator, l.new_denominator, l.new_value, l.department
  FROM data_value_ledger l
UNION ALL
SELECT p.batch_id, p.principal, p.recorded_at, p.org_unit, e.indicator, e.year, e.disaggregation,
       e.old_numerator, e.old_denominator, e.old_value, e.new_numerator, e.new_denominator, e.new_value, e.department
  FROM data_value_ledger_push p
 CROSS JOIN LATERAL unnest(p.indicators, p.years, p.disaggregations, p.old_numerators, p.old_denominators, p.old_values,
                           p.new_numerators, p.new_denominators, p.new_values, p.departments)
       AS e(indicator, year, disaggregation, old_numerator, old_denominator, old_value, new_numerator, new_denominator,
            new_value, department);
