-- Contract smoke test for db/migrations: exercises every OrleansQuery key with the parameters
-- Orleans 10.4.2 binds and checks the answers Orleans relies on. Any wrong answer raises
-- 'FAIL: ...' and stops the run. Run it through db/tests/run-smoke.sh (which applies the
-- migrations into a throw-away schema first and adds the multi-session race checks).

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-------------------------------------------------------------------------------------------------
-- Schema and query table
-------------------------------------------------------------------------------------------------
DO $$
DECLARE
    keys text[] := ARRAY[
        'InsertMembershipVersionKey','InsertMembershipKey','UpdateMembershipKey','UpdateIAmAlivetimeKey',
        'MembershipReadRowKey','MembershipReadAllKey','GatewaysQueryKey',
        'DeleteMembershipTableEntriesKey','CleanupDefunctSiloEntriesKey',
        'ReadFromStorageKey','WriteToStorageKey','ClearStorageKey','DeleteStorageKey',
        'UpsertReminderRowKey','ReadReminderRowsKey','ReadReminderRowKey','ReadRangeRows1Key',
        'ReadRangeRows2Key','DeleteReminderRowKey','DeleteReminderRowsKey'];
    missing text[];
    bad_ts  text[];
BEGIN
    SELECT array_agg(k) INTO missing FROM unnest(keys) AS k
     WHERE NOT EXISTS (SELECT 1 FROM OrleansQuery q WHERE q.QueryKey = k);
    PERFORM smoke_check(missing IS NULL,
        'all 20 query keys present (9 clustering, 4 persistence, 7 reminders); missing: ' || coalesce(missing::text, 'none'));
    PERFORM smoke_check((SELECT count(*) FROM OrleansQuery) = 20, 'no unexpected query keys');

    SELECT array_agg(table_name || '.' || column_name) INTO bad_ts
      FROM information_schema.columns
     WHERE table_schema = current_schema()
       AND data_type = 'timestamp without time zone';
    PERFORM smoke_check(bad_ts IS NULL, 'no timestamp-without-time-zone columns: ' || coalesce(bad_ts::text, 'none'));

    SELECT array_agg(p.oid::regprocedure::text) INTO bad_ts
      FROM pg_proc p
     WHERE p.pronamespace = current_schema()::regnamespace
       AND 'timestamp'::regtype = ANY (p.proargtypes::oid[]::regtype[]);
    PERFORM smoke_check(bad_ts IS NULL, 'no function takes plain timestamp arguments: ' || coalesce(bad_ts::text, 'none'));
END $$;

-------------------------------------------------------------------------------------------------
-- Grain storage
-------------------------------------------------------------------------------------------------
DO $$
DECLARE
    g   jsonb := smoke_grain('cn-440106');
    gi  jsonb := smoke_grain(NULL, 4456710);           -- integer key: NULL extension string
    r   jsonb;
    n   bigint;
    v   int;
BEGIN
    -- read of a grain that was never written: zero rows = new, empty state
    SELECT count(*) INTO n FROM smoke_q('ReadFromStorageKey', g);
    PERFORM smoke_check(n = 0, 'storage: read of an unwritten grain returns no row');
    PERFORM smoke_check(smoke_columns('ReadFromStorageKey', g) = 'payloadbinary bytea, version integer',
        'storage: read returns PayloadBinary bytea, Version int4 (got ' || smoke_columns('ReadFromStorageKey', g) || ')');
    PERFORM smoke_check(smoke_columns('WriteToStorageKey', g || '{"GrainStateVersion":null,"PayloadBinary":"\\x00"}') = 'newgrainstateversion integer',
        'storage: write returns one column NewGrainStateVersion int4');

    -- first write (version NULL) inserts with version 1
    r := smoke_one('WriteToStorageKey', g || '{"GrainStateVersion":null,"PayloadBinary":"\\x0a0b"}');
    PERFORM smoke_check((r ->> 'newgrainstateversion')::int = 1, 'storage: first write inserts with version 1');
    r := smoke_one('ReadFromStorageKey', g);
    PERFORM smoke_check(r ->> 'payloadbinary' = '\x0a0b' AND (r ->> 'version')::int = 1,
        'storage: read returns the payload and version 1');

    -- a second "first write" (another activation that saw no row) conflicts: NULL, row unchanged
    r := smoke_one('WriteToStorageKey', g || '{"GrainStateVersion":null,"PayloadBinary":"\\xffff"}');
    PERFORM smoke_check(r -> 'newgrainstateversion' = 'null'::jsonb,
        'storage: first write on an existing row returns NULL (conflict)');
    r := smoke_one('ReadFromStorageKey', g);
    PERFORM smoke_check(r ->> 'payloadbinary' = '\x0a0b' AND (r ->> 'version')::int = 1,
        'storage: conflicting first write left the row unchanged');

    -- update with the right version increments it
    r := smoke_one('WriteToStorageKey', g || '{"GrainStateVersion":1,"PayloadBinary":"\\x0c"}');
    PERFORM smoke_check((r ->> 'newgrainstateversion')::int = 2, 'storage: update with the current version returns version 2');

    -- update with a stale version: NULL and nothing changes
    r := smoke_one('WriteToStorageKey', g || '{"GrainStateVersion":1,"PayloadBinary":"\\x0d"}');
    PERFORM smoke_check(r -> 'newgrainstateversion' = 'null'::jsonb, 'storage: update with a stale version returns NULL');
    r := smoke_one('ReadFromStorageKey', g);
    PERFORM smoke_check(r ->> 'payloadbinary' = '\x0c' AND (r ->> 'version')::int = 2,
        'storage: stale update left payload and version unchanged');

    -- update with a version ahead of the stored one: also a conflict
    r := smoke_one('WriteToStorageKey', g || '{"GrainStateVersion":7,"PayloadBinary":"\\x0d"}');
    PERFORM smoke_check(r -> 'newgrainstateversion' = 'null'::jsonb, 'storage: update with a future version returns NULL');

    -- update of a grain that has no row
    r := smoke_one('WriteToStorageKey', smoke_grain('cn-000000') || '{"GrainStateVersion":3,"PayloadBinary":"\\x01"}');
    PERFORM smoke_check(r -> 'newgrainstateversion' = 'null'::jsonb, 'storage: versioned write without a row returns NULL');
    PERFORM smoke_check(NOT EXISTS (SELECT 1 FROM OrleansStorage WHERE GrainIdExtensionString = 'cn-000000'),
        'storage: versioned write without a row inserted nothing');

    -- identity: same key under another state name / another service id is another row
    SELECT count(*) INTO n FROM smoke_q('ReadFromStorageKey', smoke_grain('cn-440106', 0, 'dept-state'));
    PERFORM smoke_check(n = 0, 'storage: another state name does not see the row');
    SELECT count(*) INTO n FROM smoke_q('ReadFromStorageKey', smoke_grain('cn-440106', 0, 'county-state', 'other-service'));
    PERFORM smoke_check(n = 0, 'storage: another ServiceId does not see the row');

    -- integer-keyed grain (NULL GrainIdExtensionString): insert, duplicate first write conflicts
    r := smoke_one('WriteToStorageKey', gi || '{"GrainStateVersion":null,"PayloadBinary":"\\x01"}');
    PERFORM smoke_check((r ->> 'newgrainstateversion')::int = 1, 'storage: first write of an integer-keyed grain (NULL extension) returns 1');
    r := smoke_one('WriteToStorageKey', gi || '{"GrainStateVersion":null,"PayloadBinary":"\\x02"}');
    PERFORM smoke_check(r -> 'newgrainstateversion' = 'null'::jsonb, 'storage: duplicate first write with NULL extension conflicts');
    r := smoke_one('ReadFromStorageKey', gi);
    PERFORM smoke_check(r ->> 'payloadbinary' = '\x01' AND (r ->> 'version')::int = 1, 'storage: integer-keyed grain reads back');
    SELECT count(*) INTO n FROM OrleansStorage WHERE GrainIdN1 = 4456710;
    PERFORM smoke_check(n = 1, 'storage: exactly one row for the integer-keyed grain');

    -- clear: stale version conflicts; right version nulls the payload and bumps the version
    r := smoke_one('ClearStorageKey', g || '{"GrainStateVersion":1}');
    PERFORM smoke_check(r -> 'newgrainstateversion' = 'null'::jsonb, 'storage: clear with a stale version returns NULL');
    PERFORM smoke_check((SELECT Version FROM OrleansStorage WHERE GrainIdExtensionString = 'cn-440106'
                           AND GrainTypeString = 'county-state') = 2, 'storage: stale clear changed nothing');
    r := smoke_one('ClearStorageKey', g || '{"GrainStateVersion":2}');
    PERFORM smoke_check((SELECT value FROM jsonb_each(r) LIMIT 1)::text = '3', 'storage: clear returns the new version 3 (first column)');
    r := smoke_one('ReadFromStorageKey', g);
    PERFORM smoke_check(r -> 'payloadbinary' = 'null'::jsonb AND (r ->> 'version')::int = 3,
        'storage: cleared row has NULL payload and version 3');
    r := smoke_one('WriteToStorageKey', g || '{"GrainStateVersion":3,"PayloadBinary":"\\x0e"}');
    PERFORM smoke_check((r ->> 'newgrainstateversion')::int = 4, 'storage: write after clear continues at version 4');

    -- delete: stale version conflicts; right version removes the row and returns version + 1
    r := smoke_one('DeleteStorageKey', g || '{"GrainStateVersion":3}');
    PERFORM smoke_check(r -> 'newgrainstateversion' = 'null'::jsonb, 'storage: delete with a stale version returns NULL');
    SELECT count(*) INTO n FROM smoke_q('ReadFromStorageKey', g);
    PERFORM smoke_check(n = 1, 'storage: stale delete kept the row');
    r := smoke_one('DeleteStorageKey', g || '{"GrainStateVersion":4}');
    PERFORM smoke_check((SELECT value FROM jsonb_each(r) LIMIT 1)::text = '5', 'storage: delete returns old version + 1 (5)');
    SELECT count(*) INTO n FROM smoke_q('ReadFromStorageKey', g);
    PERFORM smoke_check(n = 0, 'storage: deleted row is gone');
    r := smoke_one('WriteToStorageKey', g || '{"GrainStateVersion":null,"PayloadBinary":"\\x0f"}');
    PERFORM smoke_check((r ->> 'newgrainstateversion')::int = 1, 'storage: first write after delete starts again at version 1');
    r := smoke_one('DeleteStorageKey', smoke_grain('cn-999999') || '{"GrainStateVersion":1}');
    PERFORM smoke_check(r -> 'newgrainstateversion' = 'null'::jsonb, 'storage: delete of a missing row returns NULL');
END $$;

-------------------------------------------------------------------------------------------------
-- Clustering
-------------------------------------------------------------------------------------------------
DO $$
DECLARE
    d      constant jsonb := '{"DeploymentId":"smoke-cluster"}';
    silo_a constant jsonb := '{"Address":"10.1.0.11","Port":11111,"Generation":500000001}';
    silo_b constant jsonb := '{"Address":"10.1.0.12","Port":11111,"Generation":500000002}';
    silo_c constant jsonb := '{"Address":"10.1.0.13","Port":11111,"Generation":500000003}';
    t0     constant timestamptz := '2026-01-01 08:00:00.123456+00';
    r      jsonb;
    rows   jsonb[];
    addrs  text[];
    n      bigint;
    cols   constant text := 'version integer, address character varying(45), port integer, generation integer, '
                         || 'siloname character varying(150), hostname character varying(150), status integer, '
                         || 'proxyport integer, suspecttimes character varying(8000), '
                         || 'starttime timestamp with time zone, iamalivetime timestamp with time zone';
BEGIN
    r := smoke_one('InsertMembershipVersionKey', d);
    PERFORM smoke_check(jsonb_array_length(jsonb_path_query_array(r, '$.*')) = 1 AND (SELECT value::text FROM jsonb_each(r)) = '1',
        'membership: InsertMembershipVersion creates the version row (single column = 1)');
    r := smoke_one('InsertMembershipVersionKey', d);
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '0', 'membership: InsertMembershipVersion again returns 0');

    PERFORM smoke_check(smoke_columns('MembershipReadAllKey', d) = cols,
        'membership: read-all columns and types as Orleans reads them (got ' || smoke_columns('MembershipReadAllKey', d) || ')');
    PERFORM smoke_check(smoke_columns('MembershipReadRowKey', d || silo_a) = cols, 'membership: read-row columns and types');

    -- no members yet: still exactly one row carrying the version, with NULL StartTime
    r := smoke_one('MembershipReadAllKey', d);
    PERFORM smoke_check((r ->> 'version')::int = 0 AND r -> 'starttime' = 'null'::jsonb,
        'membership: read-all with no members returns the version row (version 0, StartTime NULL)');
    r := smoke_one('MembershipReadRowKey', d || silo_a);
    PERFORM smoke_check((r ->> 'version')::int = 0 AND r -> 'starttime' = 'null'::jsonb,
        'membership: read-row of an unknown silo returns the version row');

    -- insert with the current version: row inserted, version bumped
    r := smoke_one('InsertMembershipKey', d || silo_a || jsonb_build_object(
        'SiloName', 'orleans-plans-silo-7d9f-a', 'HostName', 'orleans-plans-silo-7d9f-a', 'Status', 2,
        'ProxyPort', 30000, 'StartTime', t0, 'IAmAliveTime', t0, 'Version', 0));
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '1', 'membership: insert with the current version returns 1');
    PERFORM smoke_check((SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = 'smoke-cluster') = 1,
        'membership: insert bumped the table version to 1');

    -- insert with a stale version: rejected, nothing inserted, version unchanged
    r := smoke_one('InsertMembershipKey', d || silo_b || jsonb_build_object(
        'SiloName', 'silo-b', 'HostName', 'silo-b', 'Status', 2,
        'ProxyPort', 30000, 'StartTime', t0, 'IAmAliveTime', t0, 'Version', 0));
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '0', 'membership: insert with a stale version returns 0');
    PERFORM smoke_check(NOT EXISTS (SELECT 1 FROM OrleansMembershipTable WHERE Address = '10.1.0.12'),
        'membership: stale insert inserted nothing');
    PERFORM smoke_check((SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = 'smoke-cluster') = 1,
        'membership: stale insert left the version at 1');

    -- duplicate silo with the current version: rejected and the version bump is undone
    r := smoke_one('InsertMembershipKey', d || silo_a || jsonb_build_object(
        'SiloName', 'dup', 'HostName', 'dup', 'Status', 2,
        'ProxyPort', 30000, 'StartTime', t0, 'IAmAliveTime', t0, 'Version', 1));
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '0', 'membership: duplicate silo insert returns 0');
    PERFORM smoke_check((SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = 'smoke-cluster') = 1,
        'membership: duplicate insert did not bump the version');

    r := smoke_one('InsertMembershipKey', d || silo_b || jsonb_build_object(
        'SiloName', 'silo-b', 'HostName', 'silo-b', 'Status', 2,
        'ProxyPort', 30000, 'StartTime', t0, 'IAmAliveTime', t0, 'Version', 1));
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '1', 'membership: second silo inserted with version 1');
    r := smoke_one('InsertMembershipKey', d || silo_c || jsonb_build_object(
        'SiloName', 'silo-c', 'HostName', 'silo-c', 'Status', 3,
        'ProxyPort', 0, 'StartTime', t0, 'IAmAliveTime', t0, 'Version', 2));
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '1', 'membership: third silo (no gateway) inserted with version 2');

    SELECT array_agg(x) INTO rows FROM smoke_q('MembershipReadAllKey', d) AS x;
    PERFORM smoke_check(array_length(rows, 1) = 3 AND (SELECT bool_and((x ->> 'version')::int = 3) FROM unnest(rows) x),
        'membership: read-all returns 3 members, each carrying table version 3');
    r := smoke_one('MembershipReadRowKey', d || silo_a);
    PERFORM smoke_check(r ->> 'address' = '10.1.0.11' AND (r ->> 'port')::int = 11111
        AND (r ->> 'generation')::int = 500000001 AND r ->> 'siloname' = 'orleans-plans-silo-7d9f-a'
        AND (r ->> 'status')::int = 2 AND (r ->> 'proxyport')::int = 30000
        AND (r ->> 'starttime')::timestamptz = t0 AND (r ->> 'version')::int = 3,
        'membership: read-row returns the silo''s columns with microsecond timestamps intact');

    -- update with the current version: status and suspicions change, version bumps
    r := smoke_one('UpdateMembershipKey', d || silo_a || jsonb_build_object(
        'Status', 3, 'SuspectTimes', 'S10.1.0.12:11111:500000002,2026-01-01 08:00:05.000 GMT',
        'IAmAliveTime', t0 + interval '10 s', 'Version', 3));
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '1', 'membership: update with the current version returns 1');
    r := smoke_one('MembershipReadRowKey', d || silo_a);
    PERFORM smoke_check((r ->> 'status')::int = 3 AND (r ->> 'version')::int = 4
        AND r ->> 'suspecttimes' = 'S10.1.0.12:11111:500000002,2026-01-01 08:00:05.000 GMT',
        'membership: update stored status, SuspectTimes and bumped the version to 4');

    -- update with a stale version: 0 and nothing changes
    r := smoke_one('UpdateMembershipKey', d || silo_a || jsonb_build_object(
        'Status', 6, 'SuspectTimes', NULL, 'IAmAliveTime', t0, 'Version', 3));
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '0', 'membership: update with a stale version returns 0');
    r := smoke_one('MembershipReadRowKey', d || silo_a);
    PERFORM smoke_check((r ->> 'status')::int = 3 AND (r ->> 'version')::int = 4,
        'membership: stale update changed neither the row nor the version');

    -- update of a silo that has no row, with the current version: 0 and the version bump is undone
    r := smoke_one('UpdateMembershipKey', d || '{"Address":"10.9.9.9","Port":11111,"Generation":1}'::jsonb || jsonb_build_object(
        'Status', 3, 'SuspectTimes', NULL, 'IAmAliveTime', t0, 'Version', 4));
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '0', 'membership: update of a missing silo returns 0');
    PERFORM smoke_check((SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = 'smoke-cluster') = 4,
        'membership: update of a missing silo did not bump the version');

    -- heartbeat: changes IAmAliveTime only, no version bump
    PERFORM smoke_x('UpdateIAmAlivetimeKey', d || silo_a || jsonb_build_object('IAmAliveTime', t0 + interval '1 min'));
    r := smoke_one('MembershipReadRowKey', d || silo_a);
    PERFORM smoke_check((r ->> 'iamalivetime')::timestamptz = t0 + interval '1 min' AND (r ->> 'version')::int = 4,
        'membership: UpdateIAmAlivetime sets the heartbeat without bumping the version');

    -- gateways: Active (3) with ProxyPort > 0 only
    PERFORM smoke_check(smoke_columns('GatewaysQueryKey', d || '{"Status":3}') = 'address character varying(45), proxyport integer, generation integer',
        'membership: gateways query returns Address, ProxyPort, Generation');
    SELECT array_agg(x ->> 'address') INTO addrs FROM smoke_q('GatewaysQueryKey', d || '{"Status":3}') AS x;
    PERFORM smoke_check(addrs = ARRAY['10.1.0.11'],
        'membership: gateways = active silos with a proxy port (joining and port-0 silos excluded); got ' || addrs::text);

    -- cleanup of defunct entries: non-active rows older than the cutoff go, others stay
    r := smoke_one('UpdateMembershipKey', d || silo_b || jsonb_build_object(
        'Status', 6, 'SuspectTimes', NULL, 'IAmAliveTime', t0, 'Version', 4));
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '1', 'membership: silo B declared dead');
    INSERT INTO OrleansMembershipTable (DeploymentId, Address, Port, Generation, SiloName, HostName, Status,
                                        ProxyPort, StartTime, IAmAliveTime)
    VALUES ('smoke-cluster', '10.1.0.14', 11111, 4, 'recently-dead', 'recently-dead', 6, 30000, t0, t0 + interval '2 days');
    PERFORM smoke_x('CleanupDefunctSiloEntriesKey', d || jsonb_build_object('IAmAliveTime', t0 + interval '1 day'));
    SELECT array_agg(Address::text ORDER BY Address) INTO addrs FROM OrleansMembershipTable WHERE DeploymentId = 'smoke-cluster';
    PERFORM smoke_check(addrs = ARRAY['10.1.0.11','10.1.0.13','10.1.0.14'],
        'membership: cleanup removed the old dead silo and kept active and recently-dead ones; left ' || addrs::text);

    -- another cluster is independent; DeleteMembershipTableEntries removes one cluster only
    PERFORM smoke_one('InsertMembershipVersionKey', '{"DeploymentId":"other-cluster"}');
    PERFORM smoke_x('DeleteMembershipTableEntriesKey', d);
    SELECT count(*) INTO n FROM OrleansMembershipTable WHERE DeploymentId = 'smoke-cluster';
    PERFORM smoke_check(n = 0, 'membership: DeleteMembershipTableEntries removed the cluster''s members');
    SELECT count(*) INTO n FROM smoke_q('MembershipReadAllKey', d);
    PERFORM smoke_check(n = 0, 'membership: DeleteMembershipTableEntries removed the cluster''s version row');
    PERFORM smoke_check(EXISTS (SELECT 1 FROM OrleansMembershipVersionTable WHERE DeploymentId = 'other-cluster'),
        'membership: other clusters untouched');
    r := smoke_one('InsertMembershipVersionKey', d);
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '1', 'membership: cluster can be re-created after deletion');
END $$;

-------------------------------------------------------------------------------------------------
-- Reminders
-------------------------------------------------------------------------------------------------
DO $$
DECLARE
    s    constant jsonb := '{"ServiceId":"smoke-service"}';
    t0   constant timestamptz := '2026-01-01 00:00:00+00';
    r    jsonb;
    got  text[];
    n    bigint;
    cols constant text := 'grainid character varying(150), remindername character varying(150), '
                       || 'starttime timestamp with time zone, period bigint, version integer';
BEGIN
    r := smoke_one('UpsertReminderRowKey', s || jsonb_build_object('GrainId', 'county/cn-440106',
        'ReminderName', 'rollup', 'StartTime', t0, 'Period', 60000, 'GrainHash', 100));
    PERFORM smoke_check(r ? 'version' AND (r ->> 'version')::int = 0, 'reminders: upsert of a new reminder returns Version 0');
    r := smoke_one('UpsertReminderRowKey', s || jsonb_build_object('GrainId', 'county/cn-440106',
        'ReminderName', 'rollup', 'StartTime', t0 + interval '1 h', 'Period', 120000, 'GrainHash', 100));
    PERFORM smoke_check((r ->> 'version')::int = 1, 'reminders: upsert of an existing reminder increments Version to 1');
    r := smoke_one('ReadReminderRowKey', s || '{"GrainId":"county/cn-440106","ReminderName":"rollup"}');
    PERFORM smoke_check((r ->> 'starttime')::timestamptz = t0 + interval '1 h' AND (r ->> 'period')::bigint = 120000
        AND (r ->> 'version')::int = 1 AND r ->> 'grainid' = 'county/cn-440106' AND r ->> 'remindername' = 'rollup',
        'reminders: read-row returns the updated StartTime, Period and Version');
    PERFORM smoke_check(smoke_columns('ReadReminderRowKey', s || '{"GrainId":"x","ReminderName":"y"}') = cols,
        'reminders: read columns GrainId, ReminderName, StartTime timestamptz, Period bigint, Version int4');

    -- long period (> int32 ms) arrives as int8
    PERFORM smoke_one('UpsertReminderRowKey', s || jsonb_build_object('GrainId', 'county/cn-440106',
        'ReminderName', 'yearly', 'StartTime', t0, 'Period', 31536000000, 'GrainHash', 100));
    r := smoke_one('ReadReminderRowKey', s || '{"GrainId":"county/cn-440106","ReminderName":"yearly"}');
    PERFORM smoke_check((r ->> 'period')::bigint = 31536000000, 'reminders: a period longer than int32 ms round-trips');

    SELECT count(*) INTO n FROM smoke_q('ReadReminderRowsKey', s || '{"GrainId":"county/cn-440106"}');
    PERFORM smoke_check(n = 2, 'reminders: read-rows returns the grain''s 2 reminders');
    SELECT count(*) INTO n FROM smoke_q('ReadReminderRowKey', s || '{"GrainId":"county/cn-440106","ReminderName":"nope"}');
    PERFORM smoke_check(n = 0, 'reminders: read-row of a missing reminder returns no row');

    -- more grains spread over the signed hash ring
    PERFORM smoke_one('UpsertReminderRowKey', s || jsonb_build_object('GrainId', 'g/neg-big', 'ReminderName', 'r',
        'StartTime', t0, 'Period', 60000, 'GrainHash', -2000000000));
    PERFORM smoke_one('UpsertReminderRowKey', s || jsonb_build_object('GrainId', 'g/neg-50', 'ReminderName', 'r',
        'StartTime', t0, 'Period', 60000, 'GrainHash', -50));
    PERFORM smoke_one('UpsertReminderRowKey', s || jsonb_build_object('GrainId', 'g/zero', 'ReminderName', 'r',
        'StartTime', t0, 'Period', 60000, 'GrainHash', 0));
    PERFORM smoke_one('UpsertReminderRowKey', s || jsonb_build_object('GrainId', 'g/pos-big', 'ReminderName', 'r',
        'StartTime', t0, 'Period', 60000, 'GrainHash', 2000000000));
    PERFORM smoke_one('UpsertReminderRowKey', '{"ServiceId":"other-service"}'::jsonb || jsonb_build_object('GrainId', 'g/zero',
        'ReminderName', 'r', 'StartTime', t0, 'Period', 60000, 'GrainHash', 0));

    -- range 1 (Begin < End): (Begin, End]
    SELECT array_agg(DISTINCT x ->> 'grainid' ORDER BY x ->> 'grainid') INTO got
      FROM smoke_q('ReadRangeRows1Key', s || '{"BeginHash":-50,"EndHash":100}') AS x;
    PERFORM smoke_check(got = ARRAY['county/cn-440106','g/zero'],
        'reminders: ReadRangeRows1 (-50, 100] = hashes 0 and 100, excludes the begin hash; got ' || got::text);

    -- range 2 (wrapped, Begin >= End): (Begin, max] + [min, End]
    SELECT array_agg(DISTINCT x ->> 'grainid' ORDER BY x ->> 'grainid') INTO got
      FROM smoke_q('ReadRangeRows2Key', s || '{"BeginHash":1000,"EndHash":-50}') AS x;
    PERFORM smoke_check(got = ARRAY['g/neg-50','g/neg-big','g/pos-big'],
        'reminders: ReadRangeRows2 wrapped (1000, -50] = 2e9, -2e9, -50; got ' || got::text);
    SELECT count(*) INTO n FROM smoke_q('ReadRangeRows2Key', s || '{"BeginHash":7,"EndHash":7}');
    PERFORM smoke_check(n = 6, 'reminders: ReadRangeRows2 with Begin = End covers the whole ring (6 rows, own service only)');

    -- delete with version
    r := smoke_one('DeleteReminderRowKey', s || '{"GrainId":"county/cn-440106","ReminderName":"rollup","Version":0}');
    PERFORM smoke_check((SELECT count(*) FROM jsonb_each(r)) = 1 AND (SELECT value::text FROM jsonb_each(r)) = '0',
        'reminders: delete with a stale version returns a single column 0');
    SELECT count(*) INTO n FROM smoke_q('ReadReminderRowKey', s || '{"GrainId":"county/cn-440106","ReminderName":"rollup"}');
    PERFORM smoke_check(n = 1, 'reminders: stale delete kept the reminder');
    r := smoke_one('DeleteReminderRowKey', s || '{"GrainId":"county/cn-440106","ReminderName":"rollup","Version":1}');
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '1', 'reminders: delete with the current version returns 1');
    SELECT count(*) INTO n FROM smoke_q('ReadReminderRowKey', s || '{"GrainId":"county/cn-440106","ReminderName":"rollup"}');
    PERFORM smoke_check(n = 0, 'reminders: deleted reminder is gone');
    r := smoke_one('DeleteReminderRowKey', s || '{"GrainId":"county/cn-440106","ReminderName":"rollup","Version":1}');
    PERFORM smoke_check((SELECT value::text FROM jsonb_each(r)) = '0', 'reminders: deleting a missing reminder returns 0');

    PERFORM smoke_x('DeleteReminderRowsKey', s);
    SELECT count(*) INTO n FROM OrleansRemindersTable WHERE ServiceId = 'smoke-service';
    PERFORM smoke_check(n = 0, 'reminders: DeleteReminderRows removed all of the service''s reminders');
    SELECT count(*) INTO n FROM OrleansRemindersTable WHERE ServiceId = 'other-service';
    PERFORM smoke_check(n = 1, 'reminders: DeleteReminderRows left other services alone');
END $$;

-------------------------------------------------------------------------------------------------
-- data_value_ledger
-------------------------------------------------------------------------------------------------
DO $$
DECLARE
    b   uuid := gen_random_uuid();
    rid bigint;
    rec data_value_ledger;
    failed boolean;
BEGIN
    INSERT INTO data_value_ledger (batch_id, principal, org_unit, indicator, year,
                                   new_numerator, new_denominator, new_value, department)
    VALUES (b, 'county-440106-health', '440106', 'maternal-mortality-rate', 2024, 1, 12000, 8.333333, 'health')
    RETURNING id INTO rid;
    SELECT * INTO rec FROM data_value_ledger WHERE id = rid;
    PERFORM smoke_check(rec.disaggregation = '' AND rec.recorded_at IS NOT NULL AND rec.old_value IS NULL,
        'ledger: insert works; disaggregation defaults to '''' (total), recorded_at to now()');
    INSERT INTO data_value_ledger (batch_id, principal, org_unit, indicator, year, disaggregation,
                                   old_numerator, old_denominator, old_value, new_numerator, new_denominator, new_value)
    VALUES (b, 'county-440106-health', '440106', 'maternal-mortality-rate', 2024, 'area=urban;sex=female',
            1, 12000, 8.333333, 2, 12000, 16.666667);
    PERFORM smoke_check((SELECT count(*) FROM data_value_ledger WHERE batch_id = b) = 2, 'ledger: batch lookup by batch_id');

    failed := false;
    BEGIN
        UPDATE data_value_ledger SET new_value = 0 WHERE id = rid;
    EXCEPTION WHEN insufficient_privilege THEN failed := true;
    END;
    PERFORM smoke_check(failed, 'ledger: UPDATE is rejected (append-only)');
    failed := false;
    BEGIN
        DELETE FROM data_value_ledger WHERE id = rid;
    EXCEPTION WHEN insufficient_privilege THEN failed := true;
    END;
    PERFORM smoke_check(failed, 'ledger: DELETE is rejected (append-only)');
    PERFORM smoke_check((SELECT new_value FROM data_value_ledger WHERE id = rid) = 8.333333, 'ledger: row unchanged');

    PERFORM smoke_check(EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema()
                                  AND tablename = 'data_value_ledger'
                                  AND indexdef LIKE '%(org_unit, indicator, year)%')
                    AND EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema()
                                  AND tablename = 'data_value_ledger' AND indexdef LIKE '%(batch_id)%'),
        'ledger: indexes on (org_unit, indicator, year) and (batch_id)');
END $$;

-------------------------------------------------------------------------------------------------
-- data_value_ledger_push (0011): one row per push; data_value_ledger_entries: one row per value
-------------------------------------------------------------------------------------------------
DO $$
DECLARE
    b      uuid := gen_random_uuid();
    n      bigint;
    failed boolean;
BEGIN
    INSERT INTO data_value_ledger_push (batch_id, org_unit, principal, indicators, years, disaggregations,
        old_numerators, old_denominators, old_values, new_numerators, new_denominators, new_values, departments)
    VALUES (b, '440106', 'county-440106', '{maternal-mortality-rate,children-homes-count}', '{2024,2024}', '{"",area=urban}',
            '{1,NULL}', '{12000,NULL}', '{NULL,NULL}', '{2,NULL}', '{12000,NULL}', '{NULL,17}', '{health,NULL}');
    PERFORM smoke_check((SELECT count(*) FROM data_value_ledger_entries WHERE batch_id = b) = 2
                    AND (SELECT new_value FROM data_value_ledger_entries WHERE batch_id = b AND disaggregation = 'area=urban') = 17
                    AND (SELECT department FROM data_value_ledger_entries WHERE batch_id = b AND disaggregation = 'area=urban') IS NULL
                    AND (SELECT old_numerator FROM data_value_ledger_entries WHERE batch_id = b AND disaggregation = '') = 1,
        'ledger push: its entries are read one row per value from data_value_ledger_entries, element by element');

    INSERT INTO data_value_ledger_push (batch_id, org_unit, principal, indicators, years, disaggregations,
        old_numerators, old_denominators, old_values, new_numerators, new_denominators, new_values, departments)
    VALUES (b, '440106', 'county-440106', '{x}', '{2024}', '{""}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{1}', '{NULL}')
    ON CONFLICT (batch_id, org_unit) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM smoke_check(n = 0 AND (SELECT count(*) FROM data_value_ledger_push WHERE batch_id = b) = 1,
        'ledger push: a second row for the same (batch, org unit) is refused (replays insert nothing)');

    failed := false;
    BEGIN
        INSERT INTO data_value_ledger_push (batch_id, org_unit, principal, indicators, years, disaggregations,
            old_numerators, old_denominators, old_values, new_numerators, new_denominators, new_values, departments)
        VALUES (gen_random_uuid(), '440106', 'p', '{a,b}', '{2024}', '{"",""}', '{NULL,NULL}', '{NULL,NULL}', '{NULL,NULL}',
                '{NULL,NULL}', '{NULL,NULL}', '{1,2}', '{NULL,NULL}');
    EXCEPTION WHEN check_violation THEN failed := true;
    END;
    PERFORM smoke_check(failed, 'ledger push: arrays of different lengths are refused');

    -- 42501 insufficient_privilege: the append-only trigger; 55000 / 0A000: a view that cannot be updated.
    PERFORM smoke_check(smoke_refused(format('UPDATE data_value_ledger_push SET principal = %L WHERE batch_id = %L', 'someone-else', b), '{42501}'),
        'ledger push: UPDATE is rejected (append-only)');
    PERFORM smoke_check(smoke_refused(format('DELETE FROM data_value_ledger_push WHERE batch_id = %L', b), '{42501}'),
        'ledger push: DELETE is rejected (append-only)');
    PERFORM smoke_check(smoke_refused(format('DELETE FROM data_value_ledger_entries WHERE batch_id = %L', b), '{55000,0A000}'),
        'ledger entries: the view cannot be changed');
    PERFORM smoke_check((SELECT count(*) FROM data_value_ledger_entries e JOIN data_value_ledger l USING (batch_id)) > 0,
        'ledger entries: rows recorded per value (0005) are in the view too');
END $$;
