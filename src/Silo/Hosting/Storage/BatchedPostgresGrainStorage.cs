using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Orleans.Storage;

namespace OrleansPlans.Silo.Hosting.Storage;

public sealed class BatchedPostgresGrainStorageOptions
{
    /// <summary>At most this many grain states per statement.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Flushes in flight at once, per direction (writes, reads); requests arriving meanwhile wait and go together.</summary>
    public int MaxConcurrentFlushes { get; set; } = 2;
}

/// <summary>What the storage has done since start (tests and the benchmark read these; /metrics has the same as counters).</summary>
public sealed class GrainStorageCounters
{
    private long _writes, _writeFlushes, _reads, _readFlushes, _conflicts, _failedFlushes, _largestWriteFlush;

    /// <summary>Write and clear requests completed (successfully or not).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Write statements executed: one round trip and one commit each.</summary>
    public long WriteFlushes => Interlocked.Read(ref _writeFlushes);

    public long Reads => Interlocked.Read(ref _reads);

    public long ReadFlushes => Interlocked.Read(ref _readFlushes);

    /// <summary>Writes refused because the stored version was not the caller's ETag.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Flushes that failed as a whole (e.g. PostgreSQL unreachable): every caller in them got the exception.</summary>
    public long FailedFlushes => Interlocked.Read(ref _failedFlushes);

    public long LargestWriteFlush => Interlocked.Read(ref _largestWriteFlush);

    internal void WriteFlushed(int requests)
    {
        Interlocked.Increment(ref _writeFlushes);
        Interlocked.Add(ref _writes, requests);
        long seen;
        while (requests > (seen = Interlocked.Read(ref _largestWriteFlush)) && Interlocked.CompareExchange(ref _largestWriteFlush, requests, seen) != seen)
        {
        }
    }

    internal void ReadFlushed(int requests)
    {
        Interlocked.Increment(ref _readFlushes);
        Interlocked.Add(ref _reads, requests);
    }

    internal void Conflict() => Interlocked.Increment(ref _conflicts);

    internal void FlushFailed() => Interlocked.Increment(ref _failedFlushes);
}

/// <summary>
/// Grain storage on PostgreSQL with group commit: concurrent <see cref="WriteStateAsync{T}"/> / <see cref="ClearStateAsync{T}"/>
/// calls of many grains are written by one statement (arrays unnested server-side, one commit), and concurrent reads by
/// one query. Each caller's task completes only after the statement that carried its state has committed, so a grain
/// (and a push that waits for its grains) never sees a write as done before it is durable. Optimistic concurrency per
/// row: a write presents the version its grain read (its ETag); a row whose version differs fails only its own caller
/// with <see cref="InconsistentStateException"/>, the others in the same statement are committed. A statement that
/// fails as a whole (PostgreSQL down, connection lost) fails every caller it carried with the driver's exception.
/// State is serialized by the silo's <see cref="IGrainStorageSerializer"/> (System.Text.Json) and stored as plain JSON
/// in <c>grain_state</c> (db/migrations/0008_grain_state.sql), keyed by service, state name and grain id.
/// </summary>
public sealed class BatchedPostgresGrainStorage : IGrainStorage, IAsyncDisposable
{
    private const string WriteSql = """
        WITH input AS (
            SELECT * FROM unnest(@states::text[], @grains::text[], @versions::integer[], @payloads::bytea[])
                WITH ORDINALITY AS i(state_name, grain_id, version, payload, ord)
        ), updated AS (
            UPDATE grain_state g
               SET payload = convert_from(i.payload, 'UTF8')::json, version = g.version + 1, modified_at = now()
              FROM input i
             WHERE i.version IS NOT NULL AND g.service_id = @service AND g.state_name = i.state_name
               AND g.grain_id = i.grain_id AND g.version = i.version
            RETURNING g.state_name, g.grain_id, g.version
        ), inserted AS (
            INSERT INTO grain_state (service_id, state_name, grain_id, version, payload)
            SELECT @service, i.state_name, i.grain_id, 1, convert_from(i.payload, 'UTF8')::json FROM input i WHERE i.version IS NULL
            ON CONFLICT (service_id, state_name, grain_id) DO NOTHING
            RETURNING state_name, grain_id, version
        )
        SELECT i.ord, w.version
          FROM input i JOIN (SELECT * FROM updated UNION ALL SELECT * FROM inserted) w USING (state_name, grain_id)
        """;

    private const string ReadSql = """
        SELECT k.ord, g.version, g.payload::text
          FROM unnest(@states::text[], @grains::text[]) WITH ORDINALITY AS k(state_name, grain_id, ord)
          JOIN grain_state g ON g.service_id = @service AND g.state_name = k.state_name AND g.grain_id = k.grain_id
        """;

    private readonly string _name;
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly string _serviceId;
    private readonly IGrainStorageSerializer _serializer;
    private readonly ILogger _logger;
    private readonly GroupCommitQueue<WriteRequest> _writes;
    private readonly GroupCommitQueue<ReadRequest> _reads;

    public BatchedPostgresGrainStorage(string name, NpgsqlDataSource dataSource, bool ownsDataSource, string serviceId,
        IGrainStorageSerializer serializer, BatchedPostgresGrainStorageOptions options, ILogger<BatchedPostgresGrainStorage> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1, nameof(options.MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentFlushes, 1, nameof(options.MaxConcurrentFlushes));
        _name = name;
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _serviceId = serviceId;
        _serializer = serializer;
        _logger = logger;
        _writes = new GroupCommitQueue<WriteRequest>(FlushWritesAsync, options.MaxBatchSize, options.MaxConcurrentFlushes);
        _reads = new GroupCommitQueue<ReadRequest>(FlushReadsAsync, options.MaxBatchSize, options.MaxConcurrentFlushes);
    }

    public GrainStorageCounters Counters { get; } = new();

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var request = new ReadRequest(stateName, grainId.ToString());
        _reads.Enqueue(request);
        var (version, payload) = await request.Done.Task;
        if (version is null)
        {
            grainState.State ??= CreateDefault<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = payload is null ? CreateDefault<T>() : _serializer.Deserialize<T>(BinaryData.FromString(payload));
        grainState.ETag = version.Value.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = payload is not null;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // Serialized here, in the grain's turn: the grain cannot change its state while the write is queued.
        // As the serializer's UTF-8 bytes (bytea on the wire, turned into json by PostgreSQL): no UTF-16 string of every
        // state in between (~0.3 MB per county push), and no transcoding back by the driver.
        var payload = Utf8(_serializer.Serialize(grainState.State));
        var version = await WriteAsync(stateName, grainId, grainState.ETag, payload);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // The row stays with no payload and a new version, so a writer holding an older ETag is still refused.
        var version = await WriteAsync(stateName, grainId, grainState.ETag, payload: null);
        grainState.State = CreateDefault<T>();
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = false;
    }

    public ValueTask DisposeAsync() => _ownsDataSource ? _dataSource.DisposeAsync() : ValueTask.CompletedTask;

    private static byte[] Utf8(BinaryData data) =>
        MemoryMarshal.TryGetArray(data.ToMemory(), out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : data.ToArray();

    private Task<int> WriteAsync(string stateName, GrainId grainId, string? etag, byte[]? payload)
    {
        int? expected = null;
        if (etag is not null)
        {
            if (!int.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw new InconsistentStateException($"{_name}: ETag '{etag}' of {stateName} {grainId} is not a version of this storage", "?", etag);
            }
            expected = parsed;
        }
        var request = new WriteRequest(stateName, grainId.ToString(), expected, payload);
        _writes.Enqueue(request);
        return request.Done.Task;
    }

    private async Task FlushWritesAsync(List<WriteRequest> batch)
    {
        int[] versions;
        try
        {
            await using var command = _dataSource.CreateCommand(WriteSql);
            command.Parameters.Add(new NpgsqlParameter<string>("service", _serviceId));
            command.Parameters.Add(new NpgsqlParameter<string[]>("states", [.. batch.Select(r => r.StateName)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("grains", [.. batch.Select(r => r.GrainId)]));
            command.Parameters.Add(new NpgsqlParameter<int?[]>("versions", [.. batch.Select(r => r.ExpectedVersion)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            command.Parameters.Add(new NpgsqlParameter<byte[]?[]>("payloads", [.. batch.Select(r => r.Payload)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            versions = new int[batch.Count];
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                versions[reader.GetInt64(0) - 1] = reader.GetInt32(1);
            }
        }
        catch (Exception e)
        {
            Counters.FlushFailed();
            PlansMetrics.StorageFlushes.Add(1, new KeyValuePair<string, object?>("op", "write"), new KeyValuePair<string, object?>("result", "failed"));
            _logger.LogWarning("{Storage}: writing {Count} grain state(s) failed: {Message}", _name, batch.Count, e.Message);
            throw;
        }
        // Committed (autocommit of the one statement): complete the callers.
        Counters.WriteFlushed(batch.Count);
        PlansMetrics.StorageFlushes.Add(1, new KeyValuePair<string, object?>("op", "write"), new KeyValuePair<string, object?>("result", "ok"));
        PlansMetrics.StorageStates.Add(batch.Count, new KeyValuePair<string, object?>("op", "write"));
        for (var i = 0; i < batch.Count; i++)
        {
            var request = batch[i];
            if (versions[i] > 0)
            {
                request.Done.TrySetResult(versions[i]);
            }
            else
            {
                Counters.Conflict();
                request.Done.TrySetException(new InconsistentStateException(
                    $"{_name}: version conflict on {request.StateName} of {request.GrainId}: the stored version is not " +
                    (request.ExpectedVersion is { } v ? v.ToString(CultureInfo.InvariantCulture) : "absent (a first write found a row)"),
                    "unknown", request.ExpectedVersion?.ToString(CultureInfo.InvariantCulture) ?? "null"));
            }
        }
    }

    private async Task FlushReadsAsync(List<ReadRequest> batch)
    {
        var found = new (int Version, string? Payload)?[batch.Count];
        try
        {
            await using var command = _dataSource.CreateCommand(ReadSql);
            command.Parameters.Add(new NpgsqlParameter<string>("service", _serviceId));
            command.Parameters.Add(new NpgsqlParameter<string[]>("states", [.. batch.Select(r => r.StateName)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("grains", [.. batch.Select(r => r.GrainId)]));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                found[reader.GetInt64(0) - 1] = (reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }
        catch (Exception e)
        {
            Counters.FlushFailed();
            PlansMetrics.StorageFlushes.Add(1, new KeyValuePair<string, object?>("op", "read"), new KeyValuePair<string, object?>("result", "failed"));
            _logger.LogWarning("{Storage}: reading {Count} grain state(s) failed: {Message}", _name, batch.Count, e.Message);
            throw;
        }
        Counters.ReadFlushed(batch.Count);
        PlansMetrics.StorageFlushes.Add(1, new KeyValuePair<string, object?>("op", "read"), new KeyValuePair<string, object?>("result", "ok"));
        PlansMetrics.StorageStates.Add(batch.Count, new KeyValuePair<string, object?>("op", "read"));
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(found[i] is { } f ? (f.Version, f.Payload) : (null, null));
        }
    }

    private static T CreateDefault<T>()
    {
        try
        {
            return Activator.CreateInstance<T>();
        }
        catch (MissingMethodException)
        {
            return default!;
        }
    }

    private sealed class WriteRequest(string stateName, string grainId, int? expectedVersion, byte[]? payload) : IQueuedRequest
    {
        public string StateName { get; } = stateName;

        public string GrainId { get; } = grainId;

        public int? ExpectedVersion { get; } = expectedVersion;

        public byte[]? Payload { get; } = payload;

        /// <summary>One row per grain per statement (the UPDATE … FROM and ON CONFLICT need distinct keys).</summary>
        public string Key { get; } = stateName + "\n" + grainId;

        public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryFail(Exception exception) => Done.TrySetException(exception);
    }

    private sealed class ReadRequest(string stateName, string grainId) : IQueuedRequest
    {
        public string StateName { get; } = stateName;

        public string GrainId { get; } = grainId;

        public string? Key => null;

        public TaskCompletionSource<(int? Version, string? Payload)> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryFail(Exception exception) => Done.TrySetException(exception);
    }
}
