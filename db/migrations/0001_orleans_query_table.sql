-- 0001: bookkeeping tables.
--
-- OrleansQuery holds the SQL text of every operation the Orleans ADO.NET providers run. Each
-- provider reads the table once when a silo (or client) starts and refuses to start if one of
-- its keys is missing, so every later script that adds queries must be applied before the new
-- silos roll out.
--
-- Idempotent: safe to run any number of times. No BEGIN/COMMIT here: the migrate command runs
-- every script inside its own transaction.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT orleansquery_pkey PRIMARY KEY (QueryKey)
);

COMMENT ON TABLE OrleansQuery IS
    'SQL texts used by the Orleans ADO.NET providers (clustering, persistence, reminders); read once at silo/client start.';

-- Applied-migration ledger of `OrleansPlans.Silo migrate`. The migrate command creates this
-- table itself before it looks for pending scripts (so it can run against an empty database);
-- it is repeated here so that a database prepared by hand with psql has it as well.
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
);
