-- 0010: grain_state.payload compressed with LZ4 instead of PostgreSQL's default pglz.
--
-- A state larger than ~2 KB (a county's pending batch, a department's reporting record, a long indicator series, the
-- warning register) is compressed on every write. In a CPU profile of PostgreSQL during the province ingest
-- (docs/benchmarks.md, session 4) pglz_compress was 13 % of the server's CPU; re-inserting the 47,032 state rows of
-- that run took 1.12–1.18 s with pglz and 0.63–0.69 s with LZ4, at about the same size (compressed rows: 1,123 bytes
-- on average with pglz, 1,150 with LZ4). Only new writes use LZ4; existing values stay readable as they are.
--
-- LZ4 needs a server built with it (the PGDG and Debian builds are). Without it the column keeps pglz and the
-- migration still succeeds, so the schema stays deployable anywhere PostgreSQL 15 runs.
--
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

DO $$
BEGIN
    ALTER TABLE grain_state ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'grain_state.payload keeps pglz: this server was built without LZ4';
END
$$;
