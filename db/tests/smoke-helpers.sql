-- Helpers for the contract smoke test (created in the throw-away schema run-smoke.sh makes).
--
-- smoke_sql(key, params) turns a stored QueryText into executable SQL the way Npgsql binds it:
-- every @Name placeholder becomes a literal cast to the type Npgsql sends for that parameter
-- (strings text, ints int4, longs int8, UTC DateTime timestamptz, byte[] bytea). It refuses to
-- run unless the caller supplies exactly the parameter set Orleans 10.4.2 sends for that key,
-- and fails if the query uses a placeholder outside that set.

SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION smoke_check(_ok boolean, _what text)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF _ok IS DISTINCT FROM true THEN
        RAISE EXCEPTION 'FAIL: %', _what;
    END IF;
    RAISE WARNING 'PASS: %', _what;   -- WARNING so it shows with client_min_messages = warning
END;
$fn$;

-- smoke_refused(sql, sqlstates): whether the statement fails with one of the given SQLSTATEs (its effects, if any,
-- are rolled back with the failed subtransaction). Any other error propagates.
CREATE OR REPLACE FUNCTION smoke_refused(_sql text, _states text[])
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    EXECUTE _sql;
    RETURN false;
EXCEPTION WHEN OTHERS THEN
    IF SQLSTATE = ANY (_states) THEN
        RETURN true;
    END IF;
    RAISE;
END;
$fn$;

CREATE OR REPLACE FUNCTION smoke_sql(_key text, _p jsonb)
RETURNS text
LANGUAGE plpgsql
AS $fn$
DECLARE
    -- Parameters Orleans 10.4.2 binds per query key.
    expected constant jsonb := '{
      "ReadFromStorageKey":   ["GrainIdHash","GrainIdN0","GrainIdN1","GrainTypeHash","GrainTypeString","GrainIdExtensionString","ServiceId"],
      "WriteToStorageKey":    ["GrainIdHash","GrainIdN0","GrainIdN1","GrainTypeHash","GrainTypeString","GrainIdExtensionString","ServiceId","GrainStateVersion","PayloadBinary"],
      "ClearStorageKey":      ["GrainIdHash","GrainIdN0","GrainIdN1","GrainTypeHash","GrainTypeString","GrainIdExtensionString","ServiceId","GrainStateVersion"],
      "DeleteStorageKey":     ["GrainIdHash","GrainIdN0","GrainIdN1","GrainTypeHash","GrainTypeString","GrainIdExtensionString","ServiceId","GrainStateVersion"],
      "InsertMembershipVersionKey":      ["DeploymentId"],
      "InsertMembershipKey":  ["DeploymentId","Address","Port","Generation","SiloName","HostName","Status","ProxyPort","StartTime","IAmAliveTime","Version"],
      "UpdateMembershipKey":  ["DeploymentId","Address","Port","Generation","Status","SuspectTimes","IAmAliveTime","Version"],
      "UpdateIAmAlivetimeKey":["DeploymentId","Address","Port","Generation","IAmAliveTime"],
      "MembershipReadRowKey": ["DeploymentId","Address","Port","Generation"],
      "MembershipReadAllKey": ["DeploymentId"],
      "GatewaysQueryKey":     ["DeploymentId","Status"],
      "DeleteMembershipTableEntriesKey": ["DeploymentId"],
      "CleanupDefunctSiloEntriesKey":    ["DeploymentId","IAmAliveTime"],
      "UpsertReminderRowKey": ["ServiceId","GrainId","ReminderName","StartTime","Period","GrainHash"],
      "ReadReminderRowsKey":  ["ServiceId","GrainId"],
      "ReadReminderRowKey":   ["ServiceId","GrainId","ReminderName"],
      "ReadRangeRows1Key":    ["ServiceId","BeginHash","EndHash"],
      "ReadRangeRows2Key":    ["ServiceId","BeginHash","EndHash"],
      "DeleteReminderRowKey": ["ServiceId","GrainId","ReminderName","Version"],
      "DeleteReminderRowsKey":["ServiceId"]
    }';
    -- PostgreSQL type of each parameter as Npgsql sends it.
    types constant jsonb := '{
      "GrainIdHash":"int4","GrainIdN0":"int8","GrainIdN1":"int8","GrainTypeHash":"int4",
      "GrainTypeString":"text","GrainIdExtensionString":"text","ServiceId":"text",
      "GrainStateVersion":"int4","PayloadBinary":"bytea",
      "DeploymentId":"text","Address":"text","Port":"int4","Generation":"int4","SiloName":"text",
      "HostName":"text","Status":"int4","ProxyPort":"int4","SuspectTimes":"text",
      "StartTime":"timestamptz","IAmAliveTime":"timestamptz","Version":"int4",
      "GrainId":"text","ReminderName":"text","GrainHash":"int4","BeginHash":"int4","EndHash":"int4"
    }';
    sql      text;
    supplied text[];
    wanted   text[];
    name     text;
    typ      text;
    val      jsonb;
    lit      text;
BEGIN
    SELECT QueryText INTO sql FROM OrleansQuery WHERE QueryKey = _key;
    IF sql IS NULL THEN
        RAISE EXCEPTION 'FAIL: query key % is missing from OrleansQuery', _key;
    END IF;
    IF NOT expected ? _key THEN
        RAISE EXCEPTION 'test bug: no parameter list for %', _key;
    END IF;

    SELECT array_agg(k ORDER BY k) INTO supplied FROM jsonb_object_keys(_p) AS k;
    SELECT array_agg(k ORDER BY k) INTO wanted FROM jsonb_array_elements_text(expected -> _key) AS k;
    IF supplied IS DISTINCT FROM wanted THEN
        RAISE EXCEPTION 'test bug: % called with %, Orleans sends %', _key, supplied, wanted;
    END IF;

    FOR name IN
        SELECT DISTINCT m[1] FROM regexp_matches(sql, '@([A-Za-z_][A-Za-z0-9_]*)', 'g') AS m
    LOOP
        IF NOT _p ? name THEN
            RAISE EXCEPTION 'FAIL: % uses @% but Orleans does not send that parameter', _key, name;
        END IF;
        typ := types ->> name;
        val := _p -> name;
        IF name = 'Period' THEN
            -- Orleans sends an int when the period fits in int32, a long otherwise
            typ := CASE WHEN (val #>> '{}')::bigint <= 2147483647 THEN 'int4' ELSE 'int8' END;
        END IF;
        lit := CASE WHEN jsonb_typeof(val) = 'null' THEN 'NULL' ELSE quote_literal(val #>> '{}') END;
        -- (backslashes are special in a regexp_replace replacement string)
        sql := regexp_replace(sql, '@' || name || '(?![A-Za-z0-9_])',
                              replace('(' || lit || '::' || typ || ')', '\', '\\'), 'g');
    END LOOP;

    RETURN regexp_replace(sql, ';\s*$', '');
END;
$fn$;

-- Runs a row-returning query; one jsonb object per row (keys = lower-cased column names).
CREATE OR REPLACE FUNCTION smoke_q(_key text, _p jsonb)
RETURNS SETOF jsonb
LANGUAGE plpgsql
AS $fn$
DECLARE
    r record;
BEGIN
    FOR r IN EXECUTE smoke_sql(_key, _p) LOOP
        RETURN NEXT to_jsonb(r);
    END LOOP;
END;
$fn$;

-- Runs a query whose result Orleans ignores.
CREATE OR REPLACE FUNCTION smoke_x(_key text, _p jsonb)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    EXECUTE smoke_sql(_key, _p);
END;
$fn$;

-- Exactly one row, else FAIL.
CREATE OR REPLACE FUNCTION smoke_one(_key text, _p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
AS $fn$
DECLARE
    rows jsonb[];
BEGIN
    SELECT array_agg(x) INTO rows FROM smoke_q(_key, _p) AS x;
    IF coalesce(array_length(rows, 1), 0) <> 1 THEN
        RAISE EXCEPTION 'FAIL: % returned % rows, expected exactly 1: %', _key,
            coalesce(array_length(rows, 1), 0), rows;
    END IF;
    RETURN rows[1];
END;
$fn$;

-- Result column names and types, in order, of a query (prepared, not executed).
CREATE OR REPLACE FUNCTION smoke_columns(_key text, _p jsonb)
RETURNS text
LANGUAGE plpgsql
AS $fn$
DECLARE
    result text;
BEGIN
    -- a temp view describes a plain SELECT; DML with RETURNING is described via its types only
    BEGIN
        EXECUTE 'CREATE TEMP VIEW smoke_describe AS ' || smoke_sql(_key, _p);
        SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
          INTO result
          FROM pg_attribute
         WHERE attrelid = 'smoke_describe'::regclass AND attnum > 0;
        EXECUTE 'DROP VIEW smoke_describe';
        RETURN result;
    EXCEPTION WHEN OTHERS THEN
        NULL;
    END;
    EXECUTE 'PREPARE smoke_describe AS ' || smoke_sql(_key, _p);
    SELECT array_to_string(result_types, ', ') INTO result
      FROM pg_prepared_statements WHERE name = 'smoke_describe';
    EXECUTE 'DEALLOCATE smoke_describe';
    RETURN result;
END;
$fn$;

-- Grain identity parameters (as AdoNetGrainStorage binds them) for a test grain.
CREATE OR REPLACE FUNCTION smoke_grain(_ext text, _n1 bigint DEFAULT 0,
                                       _state text DEFAULT 'county-state',
                                       _service text DEFAULT 'smoke-service')
RETURNS jsonb
LANGUAGE sql
AS $fn$
    SELECT jsonb_build_object(
        'GrainIdHash', hashtext(coalesce(_ext, '') || _n1::text),
        'GrainIdN0', 0,
        'GrainIdN1', _n1,
        'GrainTypeHash', hashtext(_state),
        'GrainTypeString', _state,
        'GrainIdExtensionString', _ext,
        'ServiceId', _service);
$fn$;

-- Waits until another backend is blocked behind this one (used by the race checks).
CREATE OR REPLACE FUNCTION smoke_wait_for_blocked(_timeout_s integer DEFAULT 30)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    deadline timestamptz := clock_timestamp() + make_interval(secs => _timeout_s);
BEGIN
    LOOP
        -- pg_locks, not pg_stat_activity: the latter is snapshotted once per transaction
        IF EXISTS (SELECT 1 FROM pg_locks
                    WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid))) THEN
            RETURN;
        END IF;
        IF clock_timestamp() > deadline THEN
            RAISE EXCEPTION 'FAIL: the competing session never blocked on this transaction';
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
END;
$fn$;
