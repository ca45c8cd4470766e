-- 0002: Orleans cluster membership (AdoNet clustering provider, silos and clients).
--
-- DeploymentId is Orleans' ClusterId. One version row per cluster acts as the optimistic
-- concurrency token of the whole membership table: every membership change must bump it,
-- and only if it still has the value the silo read (the "etag" Orleans passes as @Version).
-- Status: 1 Created, 2 Joining, 3 Active, 4 ShuttingDown, 5 Stopping, 6 Dead.
--
-- Parameter types as Npgsql sends them: strings -> text, Port/Generation/Status/ProxyPort/
-- Version -> int4, StartTime/IAmAliveTime -> timestamptz (UTC DateTime).
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0,
    CONSTRAINT orleansmembershipversiontable_pkey PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)  NOT NULL,
    Address      varchar(45)   NOT NULL,
    Port         integer       NOT NULL,
    Generation   integer       NOT NULL,
    SiloName     varchar(150)  NOT NULL,
    HostName     varchar(150)  NOT NULL,
    Status       integer       NOT NULL,
    ProxyPort    integer       NULL,
    SuspectTimes varchar(8000) NULL,
    StartTime    timestamptz   NOT NULL,
    IAmAliveTime timestamptz   NOT NULL,
    CONSTRAINT orleansmembershiptable_pkey PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT orleansmembershiptable_deploymentid_fkey FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Inserts a silo row and bumps the table version in one step, only if the version is still
-- the one the caller read. Returns 1 on success, 0 when the version moved on or the row
-- already exists; in the latter case the version bump is undone (sub-transaction rollback).
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    _deployment_id  text,
    _address        text,
    _port           integer,
    _generation     integer,
    _silo_name      text,
    _host_name      text,
    _status         integer,
    _proxy_port     integer,
    _start_time     timestamptz,
    _i_am_alive     timestamptz,
    _version        integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
BEGIN
    UPDATE OrleansMembershipVersionTable
       SET Version = Version + 1,
           Timestamp = now()
     WHERE DeploymentId = _deployment_id
       AND Version = _version;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    INSERT INTO OrleansMembershipTable
           (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
            StartTime, IAmAliveTime)
    VALUES (_deployment_id, _address, _port, _generation, _silo_name, _host_name, _status,
            _proxy_port, _start_time, _i_am_alive);
    RETURN 1;
EXCEPTION
    WHEN unique_violation THEN
        -- the block's changes (the version bump) are rolled back
        RETURN 0;
END;
$fn$;

-- Updates a silo row (status, suspicions, heartbeat) and bumps the table version, only if the
-- version is still the one the caller read and the row exists. Returns 1 or 0; nothing changes
-- on 0.
CREATE OR REPLACE FUNCTION orleans_membership_update(
    _deployment_id  text,
    _address        text,
    _port           integer,
    _generation     integer,
    _status         integer,
    _suspect_times  text,
    _i_am_alive     timestamptz,
    _version        integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
BEGIN
    UPDATE OrleansMembershipVersionTable
       SET Version = Version + 1,
           Timestamp = now()
     WHERE DeploymentId = _deployment_id
       AND Version = _version;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    UPDATE OrleansMembershipTable
       SET Status = _status,
           SuspectTimes = _suspect_times,
           IAmAliveTime = _i_am_alive
     WHERE DeploymentId = _deployment_id
       AND Address = _address
       AND Port = _port
       AND Generation = _generation;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = 'membership row missing';
    END IF;
    RETURN 1;
EXCEPTION
    WHEN no_data_found THEN
        -- the block's changes (the version bump) are rolled back
        RETURN 0;
END;
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
WITH inserted AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId, Timestamp, Version)
    VALUES (@DeploymentId, now(), 0)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS inserted FROM inserted;
$q$),

('InsertMembershipKey', $q$
SELECT orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
                                 @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS succeeded;
$q$),

('UpdateMembershipKey', $q$
SELECT orleans_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status,
                                 @SuspectTimes, @IAmAliveTime, @Version) AS succeeded;
$q$),

('UpdateIAmAlivetimeKey', $q$
UPDATE OrleansMembershipTable
   SET IAmAliveTime = @IAmAliveTime
 WHERE DeploymentId = @DeploymentId
   AND Address = @Address
   AND Port = @Port
   AND Generation = @Generation;
$q$),

('MembershipReadRowKey', $q$
SELECT v.Version,
       m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime
  FROM OrleansMembershipVersionTable v
  LEFT JOIN OrleansMembershipTable m
         ON m.DeploymentId = v.DeploymentId
        AND m.Address = @Address
        AND m.Port = @Port
        AND m.Generation = @Generation
 WHERE v.DeploymentId = @DeploymentId;
$q$),

('MembershipReadAllKey', $q$
SELECT v.Version,
       m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime
  FROM OrleansMembershipVersionTable v
  LEFT JOIN OrleansMembershipTable m
         ON m.DeploymentId = v.DeploymentId
 WHERE v.DeploymentId = @DeploymentId
 ORDER BY m.Address, m.Port, m.Generation;
$q$),

('GatewaysQueryKey', $q$
SELECT Address, ProxyPort, Generation
  FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId
   AND Status = @Status
   AND ProxyPort > 0;
$q$),

('DeleteMembershipTableEntriesKey', $q$
WITH members AS (
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId
)
DELETE FROM OrleansMembershipVersionTable
 WHERE DeploymentId = @DeploymentId;
$q$),

('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId
   AND IAmAliveTime < @IAmAliveTime
   AND Status <> 3;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
