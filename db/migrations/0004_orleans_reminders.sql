-- 0004: Orleans reminders (AdoNet reminder table).
--
-- GrainId is the text form of the grain id (e.g. "county/cn-440106"); GrainHash is its signed
-- 32-bit uniform hash, used by each silo to read the reminders of its slice of the hash ring.
-- Period is in milliseconds. Version is the reminder's ETag: 0 on insert, +1 on every update.
--
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      varchar(150) NOT NULL,
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz  NOT NULL,
    Period       bigint       NOT NULL,
    GrainHash    integer      NOT NULL,
    Version      integer      NOT NULL,
    CONSTRAINT orleansreminderstable_pkey PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Range reads of a silo's slice of the ring.
CREATE INDEX IF NOT EXISTS orleansreminderstable_grainhash_ix
    ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', $q$
INSERT INTO OrleansRemindersTable AS r
       (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
   SET StartTime = EXCLUDED.StartTime,
       Period = EXCLUDED.Period,
       GrainHash = EXCLUDED.GrainHash,
       Version = r.Version + 1
RETURNING r.Version;
$q$),

('ReadReminderRowsKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND GrainId = @GrainId;
$q$),

('ReadReminderRowKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND GrainId = @GrainId
   AND ReminderName = @ReminderName;
$q$),

-- Begin < End (as signed integers): the slice (Begin, End].
('ReadRangeRows1Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND GrainHash > @BeginHash
   AND GrainHash <= @EndHash;
$q$),

-- Begin >= End: the slice wraps around the end of the ring (Begin = End means the whole ring).
('ReadRangeRows2Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
$q$),

('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainId = @GrainId
       AND ReminderName = @ReminderName
       AND Version = @Version
    RETURNING 1
)
SELECT count(*)::integer AS deleted FROM deleted;
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
