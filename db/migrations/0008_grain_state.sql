-- 0008: grain_state - grain state of the "plans" storage, written by the silo's group-commit provider
-- (src/Silo/Hosting/Storage/BatchedPostgresGrainStorage.cs) instead of the ADO.NET provider's OrleansStorage.
--
-- One row per (ServiceId, state name, grain id). state_name is the name given in [PersistentState("name", ...)]
-- (unique per grain class in this project, see StorageNames); grain_id is Orleans' GrainId text, "type/key"
-- (e.g. indicator/cn-511725/maternal-mortality-rate). payload is the state as plain System.Text.Json JSON, NULL
-- after a clear. version is the optimistic-concurrency token (the ETag): 1 on the first write, +1 on every write or
-- clear; a write presents the version it read (or none for a grain without a row) and fails when it differs.
--
-- The provider writes many grains' states in one statement (unnest arrays, one commit) and reads many in one query.
-- fillfactor 80 leaves room on each page for HOT updates (only non-key columns change).
--
-- Existing state in OrleansStorage (written by the ADO.NET provider before this migration) is copied once for the
-- project's three persistent state names; OrleansStorage itself is left untouched (nothing writes it any more).
--
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

CREATE TABLE IF NOT EXISTS grain_state
(
    service_id  text        NOT NULL,
    state_name  text        NOT NULL,
    grain_id    text        NOT NULL,
    version     integer     NOT NULL,
    payload     json        NULL,
    modified_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, state_name, grain_id)
) WITH (fillfactor = 80);

INSERT INTO grain_state (service_id, state_name, grain_id, version, payload, modified_at)
SELECT s.ServiceId,
       s.GrainTypeString,
       CASE s.GrainTypeString
           WHEN 'county-v1' THEN 'county/'
           WHEN 'indicator-series-v1' THEN 'indicator/'
           WHEN 'department-reports-v1' THEN 'department/'
       END || s.GrainIdExtensionString,
       coalesce(s.Version, 1),
       CASE WHEN s.PayloadBinary IS NULL THEN NULL ELSE convert_from(s.PayloadBinary, 'UTF8')::json END,
       s.ModifiedOn
FROM OrleansStorage s
WHERE s.GrainTypeString IN ('county-v1', 'indicator-series-v1', 'department-reports-v1')
  AND s.GrainIdExtensionString IS NOT NULL
ON CONFLICT (service_id, state_name, grain_id) DO NOTHING;
