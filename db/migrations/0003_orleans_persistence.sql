-- 0003: Orleans grain state (AdoNet grain storage provider).
--
-- One row per (ServiceId, state name, grain key). GrainTypeString holds the *state name* given
-- in [PersistentState("name", ...)], not the grain class; the grain key is spread over
-- GrainIdN0/GrainIdN1 (integer/GUID keys) and GrainIdExtensionString (string keys and key
-- extensions). Both hashes are opaque Orleans hashes used only to make lookups cheap.
--
-- Version is the optimistic-concurrency token (Orleans' ETag): every successful write/clear
-- increments it, and a write only succeeds when the caller presents the current version
-- (or NULL for the very first write of a grain that has no row).
--
-- The unique index below makes "one row per grain" a database invariant, so that two
-- activations racing on the first write cannot both insert (one gets the conflict). It needs
-- PostgreSQL 15 or newer (NULLS NOT DISTINCT: integer-keyed grains have a NULL extension).
--
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NULL
);

-- Serves every lookup (leading GrainIdHash, GrainTypeHash: the contract's lookup index) and
-- enforces uniqueness of the full grain identity.
CREATE UNIQUE INDEX IF NOT EXISTS orleansstorage_identity_ux
    ON OrleansStorage (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1,
                       GrainTypeString, GrainIdExtensionString)
    NULLS NOT DISTINCT;

-- Write: returns the new version, or NULL on a version conflict (the caller's version is not
-- the stored one, the row vanished, or - for a first write - a row already exists).
--   * first write (_version IS NULL): INSERT ... ON CONFLICT DO NOTHING against the unique
--     index; a concurrent first write waits for the other transaction and then does nothing.
--   * later writes: UPDATE ... WHERE Version = _version; a concurrent writer with the same
--     version blocks on the row lock, re-checks the predicate after the winner commits, and
--     updates nothing.
CREATE OR REPLACE FUNCTION orleans_storage_write(
    _grain_id_hash   integer,
    _grain_id_n0     bigint,
    _grain_id_n1     bigint,
    _grain_type_hash integer,
    _grain_type      text,
    _grain_id_ext    text,
    _service_id      text,
    _version         integer,
    _payload         bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    _new_version integer;
BEGIN
    IF _version IS NULL THEN
        INSERT INTO OrleansStorage
               (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        VALUES (_grain_id_hash, _grain_id_n0, _grain_id_n1, _grain_type_hash, _grain_type,
                _grain_id_ext, _service_id, _payload, now(), 1)
        ON CONFLICT DO NOTHING
        RETURNING Version INTO _new_version;
    ELSE
        UPDATE OrleansStorage
           SET PayloadBinary = _payload,
               ModifiedOn = now(),
               Version = Version + 1
         WHERE GrainIdHash = _grain_id_hash
           AND GrainTypeHash = _grain_type_hash
           AND ServiceId = _service_id
           AND GrainIdN0 = _grain_id_n0
           AND GrainIdN1 = _grain_id_n1
           AND GrainTypeString = _grain_type
           AND GrainIdExtensionString IS NOT DISTINCT FROM _grain_id_ext
           AND Version = _version
        RETURNING Version INTO _new_version;
    END IF;
    RETURN _new_version;   -- NULL when nothing was written
END;
$fn$;

-- Clear (DeleteStateOnClear = false): keep the row, drop the payload, bump the version.
-- Returns the new version, or NULL on a version conflict.
CREATE OR REPLACE FUNCTION orleans_storage_clear(
    _grain_id_hash   integer,
    _grain_id_n0     bigint,
    _grain_id_n1     bigint,
    _grain_type_hash integer,
    _grain_type      text,
    _grain_id_ext    text,
    _service_id      text,
    _version         integer)
RETURNS integer
LANGUAGE sql
AS $fn$
    UPDATE OrleansStorage
       SET PayloadBinary = NULL,
           ModifiedOn = now(),
           Version = Version + 1
     WHERE GrainIdHash = _grain_id_hash
       AND GrainTypeHash = _grain_type_hash
       AND ServiceId = _service_id
       AND GrainIdN0 = _grain_id_n0
       AND GrainIdN1 = _grain_id_n1
       AND GrainTypeString = _grain_type
       AND GrainIdExtensionString IS NOT DISTINCT FROM _grain_id_ext
       AND Version = _version
    RETURNING Version;
$fn$;

-- Delete (DeleteStateOnClear = true): remove the row if the version matches.
-- Returns the deleted version + 1, or NULL on a version conflict.
CREATE OR REPLACE FUNCTION orleans_storage_delete(
    _grain_id_hash   integer,
    _grain_id_n0     bigint,
    _grain_id_n1     bigint,
    _grain_type_hash integer,
    _grain_type      text,
    _grain_id_ext    text,
    _service_id      text,
    _version         integer)
RETURNS integer
LANGUAGE sql
AS $fn$
    DELETE FROM OrleansStorage
     WHERE GrainIdHash = _grain_id_hash
       AND GrainTypeHash = _grain_type_hash
       AND ServiceId = _service_id
       AND GrainIdN0 = _grain_id_n0
       AND GrainIdN1 = _grain_id_n1
       AND GrainTypeString = _grain_type
       AND GrainIdExtensionString IS NOT DISTINCT FROM _grain_id_ext
       AND Version = _version
    RETURNING Version + 1;
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
SELECT PayloadBinary, Version
  FROM OrleansStorage
 WHERE GrainIdHash = @GrainIdHash
   AND GrainTypeHash = @GrainTypeHash
   AND ServiceId = @ServiceId
   AND GrainIdN0 = @GrainIdN0
   AND GrainIdN1 = @GrainIdN1
   AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString;
$q$),

('WriteToStorageKey', $q$
SELECT orleans_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                             @GrainIdExtensionString, @ServiceId, @GrainStateVersion,
                             @PayloadBinary) AS NewGrainStateVersion;
$q$),

('ClearStorageKey', $q$
SELECT orleans_storage_clear(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                             @GrainIdExtensionString, @ServiceId, @GrainStateVersion) AS NewGrainStateVersion;
$q$),

('DeleteStorageKey', $q$
SELECT orleans_storage_delete(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                              @GrainIdExtensionString, @ServiceId, @GrainStateVersion) AS NewGrainStateVersion;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
