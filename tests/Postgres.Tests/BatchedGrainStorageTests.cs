using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansPlans.Contracts;
using OrleansPlans.Counties;
using OrleansPlans.Silo.Hosting.Storage;
using Xunit.Abstractions;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// The group-commit grain storage against a real migrated PostgreSQL database, called directly (no silo): round trip,
/// optimistic concurrency per row, many concurrent writers in few statements, clear, and failure of every waiting
/// caller when PostgreSQL goes away.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BatchedGrainStorageTests(PostgresFixture fixture, ITestOutputHelper output)
{
    private const string State = StorageNames.IndicatorSeriesState;

    [Fact]
    public async Task Round_trip_stores_plain_json_with_a_version_etag()
    {
        var (storage, connectionString) = await NewStorageAsync();
        await using var _ = storage;
        var grain = GrainId.Create("indicator", "cn-511725/maternal-mortality-rate");

        var missing = new GrainState<IndicatorSeriesState>();
        await storage.ReadStateAsync(State, grain, missing);
        Assert.False(missing.RecordExists);
        Assert.Null(missing.ETag);
        Assert.NotNull(missing.State);

        var state = new GrainState<IndicatorSeriesState>(Series(("2023|", 3, 5200), ("2023|area=rural", 1, 3100)), null);
        await storage.WriteStateAsync(State, grain, state);
        Assert.Equal("1", state.ETag);
        Assert.True(state.RecordExists);
        state.State!.Values["2024|"] = new StoredValue(2, 5300, null, "health", DateTimeOffset.UnixEpoch, Guid.Empty);
        await storage.WriteStateAsync(State, grain, state);
        Assert.Equal("2", state.ETag);

        var read = new GrainState<IndicatorSeriesState>();
        await storage.ReadStateAsync(State, grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal("2", read.ETag);
        Assert.Equal(new[] { "2023|", "2023|area=rural", "2024|" }, read.State!.Values.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((3m, 5200m), (read.State!.Values["2023|"].Numerator, read.State!.Values["2023|"].Denominator));

        // The row: plain JSON (no CLR type names), keyed by state name and grain id.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT state_name, grain_id, version, payload::text FROM grain_state", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((State, "indicator/cn-511725/maternal-mortality-rate", 2), (reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        var json = reader.GetString(3);
        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
        Assert.Equal(5300m, JsonDocument.Parse(json).RootElement.GetProperty("Values").GetProperty("2024|").GetProperty("Denominator").GetDecimal());
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task A_stale_etag_fails_only_its_own_caller_in_a_shared_flush()
    {
        var (storage, _) = await NewStorageAsync();
        await using var __ = storage;
        var grains = Enumerable.Range(0, 60).Select(i => GrainId.Create("indicator", $"cn-510{i:000}/x")).ToArray();
        var states = grains.Select(_ => new GrainState<IndicatorSeriesState>(Series(("2023|", 1, 10)), null)).ToArray();
        await Task.WhenAll(grains.Select((g, i) => storage.WriteStateAsync(State, g, states[i])));

        // Grain 7 is written behind its holder's back: the holder's ETag is stale.
        var other = new GrainState<IndicatorSeriesState>();
        await storage.ReadStateAsync(State, grains[7], other);
        await storage.WriteStateAsync(State, grains[7], other);
        // A "first write" of a row that exists is a conflict too.
        var blind = new GrainState<IndicatorSeriesState>(Series(("2020|", 9, 9)), null);

        var flushesBefore = storage.Counters.WriteFlushes;
        var writes = grains.Select((g, i) => storage.WriteStateAsync(State, g, states[i]))
            .Append(storage.WriteStateAsync(State, grains[30], blind)).ToArray();
        var outcomes = await Task.WhenAll(writes.Select(async w => { try { await w; return null; } catch (Exception e) { return e; } }));
        output.WriteLine($"{writes.Length} writes in {storage.Counters.WriteFlushes - flushesBefore} statement(s)");

        Assert.IsType<InconsistentStateException>(outcomes[7]);
        Assert.IsType<InconsistentStateException>(outcomes[^1]);
        Assert.Equal(writes.Length - 2, outcomes.Count(o => o is null));
        Assert.Equal("1", states[7].ETag);       // the refused caller's ETag is left as it was
        Assert.All(states.Where((_, i) => i != 7), s => Assert.Equal("2", s.ETag));
        Assert.True(storage.Counters.Conflicts >= 2);

        // The winner's figure is what is stored.
        var read = new GrainState<IndicatorSeriesState>();
        await storage.ReadStateAsync(State, grains[7], read);
        Assert.Equal("2", read.ETag);
        var grain30 = new GrainState<IndicatorSeriesState>();
        await storage.ReadStateAsync(State, grains[30], grain30);
        Assert.False(grain30.State!.Values.ContainsKey("2020|"));

        // An ETag that is not one of this storage's versions is refused without touching the row.
        var foreign = new GrainState<IndicatorSeriesState>(Series(("2020|", 9, 9)), "W/\"abc\"");
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(State, grains[0], foreign));
    }

    [Fact]
    public async Task Concurrent_writers_of_many_grains_share_few_statements_and_each_reads_back_its_own_state()
    {
        var (storage, _) = await NewStorageAsync();
        await using var __ = storage;
        const int Grains = 400;
        var grains = Enumerable.Range(0, Grains).Select(i => GrainId.Create("indicator", $"cn-{510000 + i}/mmr")).ToArray();
        var states = grains.Select((_, i) => new GrainState<IndicatorSeriesState>(Series(("2022|", i, 1000 + i)), null)).ToArray();

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(grains.Select((g, i) => Task.Run(() => storage.WriteStateAsync(State, g, states[i]))));
        var firstWrites = storage.Counters.WriteFlushes;
        // Second round: updates with ETags, again all at once.
        foreach (var (s, i) in states.Select((s, i) => (s, i)))
        {
            s.State!.Values["2023|"] = new StoredValue(2 * i, 2000 + i, null, "health", DateTimeOffset.UnixEpoch, Guid.Empty);
        }
        await Task.WhenAll(grains.Select((g, i) => Task.Run(() => storage.WriteStateAsync(State, g, states[i]))));
        output.WriteLine($"{2 * Grains} writes in {storage.Counters.WriteFlushes} statements ({firstWrites} + {storage.Counters.WriteFlushes - firstWrites}); " +
            $"largest {storage.Counters.LargestWriteFlush}; {clock.ElapsedMilliseconds} ms");

        Assert.Equal(2 * Grains, storage.Counters.Writes);
        Assert.True(storage.Counters.WriteFlushes < 2 * Grains / 4, $"{storage.Counters.WriteFlushes} statements for {2 * Grains} writes: not grouped");
        Assert.True(storage.Counters.LargestWriteFlush > 1);
        Assert.All(states, s => Assert.Equal("2", s.ETag));

        // All 400 reads in flight at once, started from one loop: as 400 thread-pool items on a loaded 2-core machine
        // they had started spread over time, a few per query (104 queries in one CI run), which is not what is tested.
        var reads = grains.Select(_ => new GrainState<IndicatorSeriesState>()).ToArray();
        await Task.WhenAll(grains.Select((g, i) => storage.ReadStateAsync(State, g, reads[i])).ToArray());
        output.WriteLine($"{Grains} reads in {storage.Counters.ReadFlushes} queries");
        Assert.True(storage.Counters.ReadFlushes < Grains / 4, $"{storage.Counters.ReadFlushes} queries for {Grains} reads: not grouped");
        for (var i = 0; i < Grains; i++)
        {
            Assert.Equal("2", reads[i].ETag);
            Assert.Equal((i, 1000m + i), ((int)reads[i].State!.Values["2022|"].Numerator!, reads[i].State!.Values["2022|"].Denominator));
            Assert.Equal(2m * i, reads[i].State!.Values["2023|"].Numerator);
        }
    }

    [Fact]
    public async Task Clear_keeps_the_version_moving_so_an_older_etag_is_still_refused()
    {
        var (storage, _) = await NewStorageAsync();
        await using var __ = storage;
        var grain = GrainId.Create("department", "cn-511725/health");
        var holder = new GrainState<IndicatorSeriesState>(Series(("2023|", 1, 2)), null);
        await storage.WriteStateAsync(State, grain, holder);
        var stale = new GrainState<IndicatorSeriesState>(Series(("2023|", 5, 6)), holder.ETag);

        await storage.ClearStateAsync(State, grain, holder);
        Assert.False(holder.RecordExists);
        Assert.Equal("2", holder.ETag);
        Assert.Empty(holder.State!.Values);

        var read = new GrainState<IndicatorSeriesState>();
        await storage.ReadStateAsync(State, grain, read);
        Assert.False(read.RecordExists);
        Assert.Equal("2", read.ETag);
        Assert.Empty(read.State!.Values);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(State, grain, stale));
        read.State!.Values["2024|"] = new StoredValue(7, 8, null, "health", DateTimeOffset.UnixEpoch, Guid.Empty);
        await storage.WriteStateAsync(State, grain, read);
        Assert.Equal("3", read.ETag);
        var again = new GrainState<IndicatorSeriesState>();
        await storage.ReadStateAsync(State, grain, again);
        Assert.True(again.RecordExists);
        Assert.Equal(7m, again.State!.Values["2024|"].Numerator);
    }

    /// <summary>
    /// A PostgreSQL of its own, stopped with writes and reads waiting: every caller gets the driver's exception (which the
    /// grains' storage-fault filter turns into 503), none hangs, none is told its write succeeded; after a restart the
    /// same storage works again and nothing of the failed writes was stored.
    /// </summary>
    [Fact]
    public async Task Postgres_stopping_fails_every_waiting_caller_and_the_storage_recovers()
    {
        await using var server = await PostgresServer.StartAsync();
        var connectionString = await server.CreateMigratedDatabaseAsync("storagedown");
        await using var storage = Create(connectionString);
        var grains = Enumerable.Range(0, 100).Select(i => GrainId.Create("indicator", $"cn-{520000 + i}/mmr")).ToArray();
        var states = grains.Select(_ => new GrainState<IndicatorSeriesState>(Series(("2022|", 1, 10)), null)).ToArray();
        await Task.WhenAll(grains.Select((g, i) => storage.WriteStateAsync(State, g, states[i])));

        await server.StopServerAsync();
        foreach (var s in states)
        {
            s.State!.Values["2023|"] = new StoredValue(5, 50, null, "health", DateTimeOffset.UnixEpoch, Guid.Empty);
        }
        var clock = Stopwatch.StartNew();
        var calls = grains.Select((g, i) => storage.WriteStateAsync(State, g, states[i]))
            .Concat(grains.Select(g => storage.ReadStateAsync(State, g, new GrainState<IndicatorSeriesState>())))
            .ToArray();
        var finished = Task.WhenAll(calls.Select(async c => { try { await c; return null; } catch (Exception e) { return e; } }));
        Assert.Same(finished, await Task.WhenAny(finished, Task.Delay(TimeSpan.FromSeconds(60))));
        var outcomes = await finished;
        output.WriteLine($"{calls.Length} calls failed in {clock.ElapsedMilliseconds} ms: " +
            string.Join(", ", outcomes.GroupBy(o => o?.GetType().Name ?? "success").Select(g => $"{g.Key}×{g.Count()}")));
        Assert.All(outcomes, o => Assert.IsAssignableFrom<DbException>(o));
        Assert.All(states, s => Assert.Equal("1", s.ETag));
        Assert.True(storage.Counters.FailedFlushes > 0);

        await server.StartServerAsync();
        var reread = grains.Select(_ => new GrainState<IndicatorSeriesState>()).ToArray();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Task.WhenAll(grains.Select((g, i) => storage.ReadStateAsync(State, g, reread[i])));
                break;
            }
            catch (DbException) when (attempt < 20)
            {
                await Task.Delay(250); // the pool's broken connections are replaced on the next attempts
            }
        }
        Assert.All(reread, r => Assert.Equal(("1", false), (r.ETag, r.State!.Values.ContainsKey("2023|"))));
        await Task.WhenAll(grains.Select((g, i) => storage.WriteStateAsync(State, g, reread[i])));
        Assert.All(reread, r => Assert.Equal("2", r.ETag));
    }

    /// <summary>Migration 0008 carries state written by the ADO.NET provider (OrleansStorage) over, version included.</summary>
    [Fact]
    public async Task Migration_0008_copies_state_written_by_the_previous_provider()
    {
        var connectionString = await fixture.NewMigratedDatabaseAsync("gcopy");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, Version)
                VALUES (11, 0, 0, 22, 'indicator-series-v1', 'cn-511725/maternal-mortality-rate', 'test-service',
                        convert_to('{"Values":{"2023|":{"Numerator":3,"Denominator":5200,"Value":null,"Department":"health","ReportedAt":"2023-05-01T00:00:00+00:00","BatchId":"00000000-0000-0000-0000-000000000000"}}}', 'UTF8'), 3),
                       (12, 0, 0, 33, 'county-v1', 'cn-511725', 'test-service', convert_to('{"Sequence":7}', 'UTF8'), 5);
                DELETE FROM schema_migrations WHERE version = '0008_grain_state';
                """, connection);
            await insert.ExecuteNonQueryAsync();
        }
        Assert.Equal(["0008_grain_state"], await new OrleansPlans.Silo.Hosting.DatabaseMigrator(connectionString, NullLogger.Instance).MigrateAsync());

        await using var storage = Create(connectionString);
        var grain = GrainId.Create("indicator", "cn-511725/maternal-mortality-rate");
        var state = new GrainState<IndicatorSeriesState>();
        await storage.ReadStateAsync(State, grain, state);
        Assert.True(state.RecordExists);
        Assert.Equal("3", state.ETag);
        Assert.Equal((3m, 5200m), (state.State!.Values["2023|"].Numerator, state.State.Values["2023|"].Denominator));
        var county = new GrainState<CountyState>();
        await storage.ReadStateAsync(StorageNames.CountyState, GrainId.Create("county", "cn-511725"), county);
        Assert.Equal(("5", 7L), (county.ETag, county.State!.Sequence));

        await storage.WriteStateAsync(State, grain, state);
        Assert.Equal("4", state.ETag);
    }

    /// <summary>
    /// Migration 0010: a state large enough to be compressed is stored with LZ4 (cheaper for the server than pglz) on a
    /// server built with LZ4, and reads back whole; a server without LZ4 keeps pglz and still reads it back.
    /// </summary>
    [Fact]
    public async Task A_large_state_is_compressed_with_lz4_where_the_server_has_it_and_reads_back_whole()
    {
        var (storage, connectionString) = await NewStorageAsync();
        await using var _ = storage;
        var grain = GrainId.Create("indicator", "cn-511725/maternal-mortality-rate");
        var state = new GrainState<IndicatorSeriesState>(Series([.. Enumerable.Range(0, 200).Select(i => ($"{2000 + i % 30}|area={i}", (decimal)i, 5200m + i))]), null);
        await storage.WriteStateAsync(State, grain, state);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        bool serverHasLz4;
        try
        {
            await using var probe = new NpgsqlCommand("CREATE TEMP TABLE lz4_probe (x text COMPRESSION lz4)", connection);
            await probe.ExecuteNonQueryAsync();
            serverHasLz4 = true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.FeatureNotSupported)
        {
            serverHasLz4 = false;
        }
        await using var command = new NpgsqlCommand("""
            SELECT a.attcompression::text, pg_column_compression(g.payload), octet_length(g.payload::text), pg_column_size(g.payload)
              FROM grain_state g, pg_attribute a
             WHERE a.attrelid = 'grain_state'::regclass AND a.attname = 'payload'
            """, connection);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            output.WriteLine($"server has lz4: {serverHasLz4}; column {reader.GetString(0)}, row {reader.GetString(1)}, {reader.GetInt32(2)} bytes stored as {reader.GetInt32(3)}");
            Assert.Equal(serverHasLz4 ? ("l", "lz4") : ("", "pglz"), (reader.GetString(0), reader.GetString(1)));
            Assert.True(reader.GetInt32(3) < reader.GetInt32(2) / 2, "the payload is stored compressed");
        }

        var read = new GrainState<IndicatorSeriesState>();
        await storage.ReadStateAsync(State, grain, read);
        Assert.Equal(200, read.State!.Values.Count);
        Assert.Equal((199m, 5399m), (read.State.Values["2019|area=199"].Numerator, read.State.Values["2019|area=199"].Denominator));
    }

    private async Task<(BatchedPostgresGrainStorage Storage, string ConnectionString)> NewStorageAsync()
    {
        var connectionString = await fixture.NewMigratedDatabaseAsync("gstate");
        return (Create(connectionString), connectionString);
    }

    private static BatchedPostgresGrainStorage Create(string connectionString) => new(
        "plans", NpgsqlDataSource.Create(connectionString), ownsDataSource: true, "test-service",
#pragma warning disable ORLEANSEXP006
        new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions())),
#pragma warning restore ORLEANSEXP006
        new BatchedPostgresGrainStorageOptions(), NullLogger<BatchedPostgresGrainStorage>.Instance);

    private static IndicatorSeriesState Series(params (string Key, decimal Numerator, decimal Denominator)[] values)
    {
        var state = new IndicatorSeriesState();
        foreach (var (key, num, den) in values)
        {
            state.Values[key] = new StoredValue(num, den, null, "health", DateTimeOffset.UnixEpoch, Guid.Empty);
        }
        return state;
    }
}
