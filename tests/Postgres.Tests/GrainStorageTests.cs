using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansPlans.Contracts;
using OrleansPlans.Counties;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// Grain state through the production storage provider (group commit, BatchedPostgresGrainStorage) and the project's PostgreSQL schema: a two-silo in-process cluster
/// (test membership) whose "plans" storage is a fresh migrated database.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GrainStorageTests(PostgresFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Mmr = "maternal-mortality-rate";
    private const string Screening = "cervical-cancer-screening-rate";

    private string _connectionString = "";
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await fixture.NewMigratedDatabaseAsync("storage");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _cluster = await PostgresTestCluster.StartAsync(_connectionString);
        output.WriteLine($"cluster deployed in {clock.Elapsed.TotalSeconds:F1} s");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await _cluster.DisposeAsync();
            output.WriteLine($"cluster disposed in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    private IGrainFactory Grains => _cluster.Client;

    [Fact]
    public async Task Pushed_values_survive_deactivation_of_every_grain()
    {
        var county = Grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit("511725"));
        var pushClock = System.Diagnostics.Stopwatch.StartNew();
        var summary = await county.PushAsync(Batch(
            new DataValueRow(Mmr, 2023, "", 3, 5200, null, null),
            new DataValueRow(Mmr, 2023, "area=rural", 1, 3100, null, null),
            new DataValueRow(Screening, 2022, "", 4100, 5000, null, null)));
        Assert.True(summary.Accepted, string.Join("; ", summary.Errors.Select(e => e.Message)));
        Assert.Equal((3, 0, 0), (summary.Imported, summary.Updated, summary.Unchanged));
        output.WriteLine($"push acknowledged in {pushClock.Elapsed.TotalSeconds:F1} s");

        // Every activation that holds the figures goes away: the next read comes from PostgreSQL.
        IAddressable[] holders =
        [
            county,
            Grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator("511725", Mmr)),
            Grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator("511725", Screening)),
            Grains.GetGrain<IDepartmentGrain>(GrainKeys.Department("511725", "health")),
            Grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit("511700")),
            Grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit("510000")),
        ];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var grain in holders)
        {
            await _cluster.DeactivateAsync(grain);
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: deactivated");

        var mmr = await Grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator("511725", Mmr)).GetSeriesAsync();
        Assert.Equal((3m, 5200m), Point(mmr, "", 2023));
        Assert.Equal((1m, 3100m), Point(mmr, "area=rural", 2023));
        var screening = await Grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator("511725", Screening)).GetSeriesAsync();
        Assert.Equal((4100m, 5000m), Point(screening, "", 2022));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: series read");

        // The roll-ups rebuild from the reloaded county: same figures at the city and the province.
        var province = await Grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit("510000")).GetRollupAsync(2023, includeChildren: false);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: province rollup read");
        var total = Assert.Single(province.Entries, e => e.Indicator == Mmr && e.Disaggregation == "");
        Assert.Equal((3m, 5200m, 1), (total.Numerator, total.Denominator, total.ReportingUnits));
        var report = await Grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit("510000")).CheckConsistencyAsync();
        Assert.True(report.Consistent, $"{report.Differences.Length} difference(s)");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: consistency checked");

        // A re-sent figure is recognised as unchanged after the reload (the stored figure was read back exactly).
        var again = await county.PushAsync(Batch(new DataValueRow(Mmr, 2023, "", 3, 5200, null, null)));
        Assert.Equal((0, 0, 1), (again.Imported, again.Updated, again.Unchanged));
        output.WriteLine($"6 grains deactivated, read back from PostgreSQL and re-sent in {clock.Elapsed.TotalSeconds:F1} s");

        // The figures are the county's, one row per year: 2023 holds both MMR cells, 2022 the screening rate.
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var year2023 = JsonDocument.Parse((await ReadRowAsync(connection, GrainKeys.OrgUnit("511725"), StorageNames.CountyFigures(2023))).Json).RootElement;
        var mmrRow = year2023.GetProperty("Indicators").GetProperty(Mmr);
        Assert.Equal(3m, mmrRow.GetProperty("").GetProperty("Numerator").GetDecimal());
        Assert.Equal(3100m, mmrRow.GetProperty("area=rural").GetProperty("Denominator").GetDecimal());
        Assert.False(year2023.GetProperty("Indicators").TryGetProperty(Screening, out _));
        var year2022 = JsonDocument.Parse((await ReadRowAsync(connection, GrainKeys.OrgUnit("511725"), StorageNames.CountyFigures(2022))).Json).RootElement;
        Assert.Equal(4100m, year2022.GetProperty("Indicators").GetProperty(Screening).GetProperty("").GetProperty("Numerator").GetDecimal());

        // The county's sequence and batch were persisted too: 2 pushes.
        var countyRow = await ReadRowAsync(connection, GrainKeys.OrgUnit("511725"), StorageNames.CountyState);
        Assert.Equal(StorageNames.CountyState, countyRow.StateName);
        Assert.Equal(2, JsonDocument.Parse(countyRow.Json).RootElement.GetProperty("Sequence").GetInt64());
        // The warning register is the county's second state, written when the county evaluated its warnings (at the
        // latest when it was deactivated after the first push; the re-send's evaluation is still 5 s away).
        var register = await ReadRowAsync(connection, GrainKeys.OrgUnit("511725"), StorageNames.CountyWarningRegister);
        Assert.InRange(JsonDocument.Parse(register.Json).RootElement.GetProperty("CheckedSequence").GetInt64(), 1, 2);
    }

    [Fact]
    public async Task Stale_etag_is_refused_and_rows_are_plain_json_keyed_by_state_name()
    {
        var countyKey = GrainKeys.OrgUnit("511722");
        var county = Grains.GetGrain<ICountyGrain>(countyKey);
        var summary = await county.PushAsync(Batch(new DataValueRow(Mmr, 2021, "", 2, 4321, null, null)));
        Assert.Equal(1, summary.Imported);
        await _cluster.DeactivateAsync(county);

        var storage = _cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Plans);
        var grainId = GrainId.Create("county", countyKey);
        var state = StorageNames.CountyFigures(2021);
        var first = new GrainState<CountyYearFigures>();
        await storage.ReadStateAsync(state, grainId, first);
        Assert.True(first.RecordExists);
        Assert.Equal("1", first.ETag);
        Assert.Equal(2m, first.State!.Indicators[Mmr][""].Numerator);
        var stale = first.ETag;

        // One writer with the current ETag wins and moves the version on...
        first.State!.Indicators[Mmr][""] = first.State!.Indicators[Mmr][""] with { Numerator = 5 };
        await storage.WriteStateAsync(state, grainId, first);
        Assert.Equal("2", first.ETag);

        // ...a writer still holding the old ETag is refused, and so is a "first write" of a row that exists.
        var loser = new GrainState<CountyYearFigures>(new CountyYearFigures(), stale);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(state, grainId, loser));
        var blind = new GrainState<CountyYearFigures>(new CountyYearFigures(), null);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(state, grainId, blind));

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var row = await ReadRowAsync(connection, countyKey, state);
        Assert.Equal(state, row.StateName);   // the state name, not the grain type
        Assert.Equal(2, row.Version);
        Assert.DoesNotContain("$type", row.Json, StringComparison.Ordinal);
        var stored = JsonDocument.Parse(row.Json).RootElement.GetProperty("Indicators").GetProperty(Mmr).GetProperty("");
        Assert.Equal(5m, stored.GetProperty("Numerator").GetDecimal());
        Assert.Equal(4321m, stored.GetProperty("Denominator").GetDecimal());

        // The county reads the winner's figure back, and the indicator grain shows it.
        var series = await Grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator("511722", Mmr)).GetSeriesAsync();
        Assert.Equal((5m, 4321m), Point(series, "", 2021));
    }

    /// <summary>
    /// A county whose year-row write failed (here an ETag conflict, as after a lost write response or a second
    /// activation; a dropped database connection leaves it in the same place) must not keep the unwritten figure in
    /// memory: a retried push would then answer "unchanged" — acknowledged — for a figure that is not stored.
    /// </summary>
    [Fact]
    public async Task A_failed_state_write_does_not_let_a_retry_acknowledge_an_unstored_figure()
    {
        var countyKey = GrainKeys.OrgUnit("511723");
        var county = Grains.GetGrain<ICountyGrain>(countyKey);
        Assert.Equal(1, (await county.PushAsync(Batch(new DataValueRow(Mmr, 2022, "", 1, 1000, null, null)))).Imported);

        // Someone else writes the row behind the live activation's back: its ETag is now stale.
        var storage = _cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Plans);
        var grainId = GrainId.Create("county", countyKey);
        var other = new GrainState<CountyYearFigures>();
        await storage.ReadStateAsync(StorageNames.CountyFigures(2022), grainId, other);
        other.State!.Indicators[Mmr][""] = other.State!.Indicators[Mmr][""] with { Numerator = 9 };
        await storage.WriteStateAsync(StorageNames.CountyFigures(2022), grainId, other);

        // The push that meets the conflict is not acknowledged.
        await Assert.ThrowsAnyAsync<Exception>(() => county.PushAsync(Batch(new DataValueRow(Mmr, 2022, "", 2, 2000, null, null))));

        // The client retries the same figure until it is acknowledged (bounded).
        ImportSummary? acknowledged = null;
        for (var attempt = 0; attempt < 5 && acknowledged is null; attempt++)
        {
            try
            {
                acknowledged = await county.PushAsync(Batch(new DataValueRow(Mmr, 2022, "", 2, 2000, null, null)));
            }
            catch (Exception)
            {
                await Task.Delay(200);
            }
        }
        Assert.NotNull(acknowledged);
        Assert.True(acknowledged.Accepted);

        // What was acknowledged is what PostgreSQL holds, and what a fresh activation reads.
        await _cluster.DeactivateAsync(county);
        var series = await Grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator("511723", Mmr)).GetSeriesAsync();
        Assert.Equal((2m, 2000m), Point(series, "", 2022));
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var stored = JsonDocument.Parse((await ReadRowAsync(connection, countyKey, StorageNames.CountyFigures(2022))).Json).RootElement
            .GetProperty("Indicators").GetProperty(Mmr).GetProperty("");
        Assert.Equal((2m, 2000m), (stored.GetProperty("Numerator").GetDecimal(), stored.GetProperty("Denominator").GetDecimal()));
    }

    /// <summary>
    /// A county stored before session 8 keeps its figures in one row per indicator (and its departments the first-report
    /// times): its first activation moves them into year rows (same figures, same roll-up, same first-report times),
    /// records the new layout and clears the old indicator rows.
    /// </summary>
    [Fact]
    public async Task Figures_stored_per_indicator_are_moved_into_year_rows_on_activation()
    {
        const string code = "511724";
        var countyKey = GrainKeys.OrgUnit(code);
        var storage = _cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Plans);
        var batch = Guid.NewGuid();
        var at = new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var oldMmr = new IndicatorSeriesState();
        oldMmr.Values["2022|"] = new StoredValue(2, 4000, null, "health", at, batch);
        oldMmr.Values["2023|"] = new StoredValue(1, 4100, null, "health", at, batch);
        oldMmr.Values["2023|area=rural"] = new StoredValue(1, 2600, null, "health", at, batch);
        var oldScreening = new IndicatorSeriesState();
        oldScreening.Values["2023|"] = new StoredValue(3900, 5000, null, "health", at, batch);
        var mmrId = GrainId.Create("indicator", GrainKeys.Indicator(code, Mmr));
        var screeningId = GrainId.Create("indicator", GrainKeys.Indicator(code, Screening));
        await storage.WriteStateAsync(StorageNames.IndicatorSeriesState, mmrId, new GrainState<IndicatorSeriesState>(oldMmr, null));
        await storage.WriteStateAsync(StorageNames.IndicatorSeriesState, screeningId, new GrainState<IndicatorSeriesState>(oldScreening, null));
        // The department grain kept the first-report times then: MMR 2023 was first reported 20 days before its last change.
        var oldHealth = new DepartmentState();
        oldHealth.Reports[$"{Mmr}|2023"] = new DepartmentReport(Mmr, 2023, 2, at, at.AddDays(-20));
        await storage.WriteStateAsync(StorageNames.DepartmentState, GrainId.Create("department", GrainKeys.Department(code, "health")), new GrainState<DepartmentState>(oldHealth, null));
        var oldCounty = new CountyState { Sequence = 1, LastPushAt = at };
        oldCounty.Indicators.UnionWith([Mmr, Screening]);
        oldCounty.Departments.Add("health");
        await storage.WriteStateAsync(StorageNames.CountyState, GrainId.Create("county", countyKey), new GrainState<CountyState>(oldCounty, null));

        var mmr = await Grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator(code, Mmr)).GetSeriesAsync();
        Assert.Equal((2m, 4000m), Point(mmr, "", 2022));
        Assert.Equal((1m, 4100m), Point(mmr, "", 2023));
        Assert.Equal((1m, 2600m), Point(mmr, "area=rural", 2023));
        var rollup = await Grains.GetGrain<ICountyGrain>(countyKey).GetRollupAsync(2023);
        Assert.Equal(3900m, Assert.Single(rollup.Entries, e => e.Indicator == Screening && e.Disaggregation == "").Numerator);
        var province = await Grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit("510000")).CheckConsistencyAsync();
        Assert.True(province.Consistent, $"{province.Differences.Length} difference(s)");
        var reported = (await Grains.GetGrain<IDepartmentGrain>(GrainKeys.Department(code, "health")).GetAsync()).Reported;
        var mmr2023 = Assert.Single(reported, r => r.Indicator == Mmr && r.Year == 2023);
        Assert.Equal((2, at, (DateTimeOffset?)at.AddDays(-20)), (mmr2023.Values, mmr2023.LastReportedAt, mmr2023.FirstReportedAt));
        Assert.Equal(at, Assert.Single(reported, r => r.Indicator == Mmr && r.Year == 2022).FirstReportedAt);

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var countyRow = JsonDocument.Parse((await ReadRowAsync(connection, countyKey, StorageNames.CountyState)).Json).RootElement;
        Assert.Equal(CountyState.FiguresByYear, countyRow.GetProperty("FiguresLayout").GetInt32());
        Assert.Equal([2022, 2023], countyRow.GetProperty("Years").EnumerateArray().Select(y => y.GetInt32()).Order());
        var year2023 = JsonDocument.Parse((await ReadRowAsync(connection, countyKey, StorageNames.CountyFigures(2023))).Json).RootElement.GetProperty("Indicators");
        Assert.Equal(2600m, year2023.GetProperty(Mmr).GetProperty("area=rural").GetProperty("Denominator").GetDecimal());
        Assert.Equal(batch, year2023.GetProperty(Screening).GetProperty("").GetProperty("BatchId").GetGuid());
        // Written by the silo's StoredValueJsonConverter: the figure's own members (the first report taken from the old
        // department row), not the computed FirstReported.
        var rural = year2023.GetProperty(Mmr).GetProperty("area=rural");
        Assert.Equal(["Numerator", "Denominator", "Department", "ReportedAt", "BatchId", "FirstReportedAt"], rural.EnumerateObject().Select(p => p.Name));
        Assert.Equal(at.AddDays(-20), rural.GetProperty("FirstReportedAt").GetDateTimeOffset());
        // The old rows are cleared (kept as versioned rows without a payload, like every cleared state).
        foreach (var oldRow in new[] { mmrId, screeningId })
        {
            var cleared = new GrainState<IndicatorSeriesState>();
            await storage.ReadStateAsync(StorageNames.IndicatorSeriesState, oldRow, cleared);
            Assert.False(cleared.RecordExists);
            Assert.Equal("2", cleared.ETag);
        }

        // And the county goes on from there: a re-sent figure is unchanged, a new one is stored in its year row.
        var again = await Grains.GetGrain<ICountyGrain>(countyKey).PushAsync(Batch(
            new DataValueRow(Mmr, 2023, "", 1, 4100, null, null),
            new DataValueRow(Mmr, 2024, "", 0, 4200, null, null)));
        Assert.Equal((1, 0, 1), (again.Imported, again.Updated, again.Unchanged));
        await _cluster.DeactivateAsync(Grains.GetGrain<ICountyGrain>(countyKey));
        var reread = await Grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator(code, Mmr)).GetSeriesAsync();
        Assert.Equal((0m, 4200m), Point(reread, "", 2024));
        Assert.Equal((2m, 4000m), Point(reread, "", 2022));
    }

    [Fact]
    public async Task Chinese_text_in_a_state_is_stored_as_utf8_not_as_escapes()
    {
        const string narrative = "已开展孕产妇健康管理，覆盖全部乡镇";
        var department = Grains.GetGrain<IDepartmentGrain>(GrainKeys.Department("511725", "health"));
        await department.RecordMeasureAsync(new MeasureReport("women", "health", 1, 2024, "onTrack", narrative, "health", "storage-test", DateTimeOffset.UnixEpoch));

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var (_, _, json) = await ReadRowAsync(connection, "cn-511725/health");
        Assert.Contains(narrative, json, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", json, StringComparison.Ordinal);
        var stored = JsonDocument.Parse(json).RootElement.GetProperty("Measures").EnumerateObject().Single().Value;
        Assert.Equal(narrative, stored.GetProperty("Narrative").GetString());
    }

    private static DataValueBatch Batch(params DataValueRow[] rows) => new(Guid.NewGuid(), "storage-test", rows, DryRun: false);

    private static (decimal? Numerator, decimal? Denominator) Point(IndicatorSeriesView view, string disaggregation, int year)
    {
        var point = view.Series.Single(s => s.Disaggregation == disaggregation).Points.Single(p => p.Year == year);
        return (point.Numerator, point.Denominator);
    }

    /// <summary>The one row of a grain (of one of its states, for a grain with several).</summary>
    private async Task<(string StateName, int Version, string Json)> ReadRowAsync(NpgsqlConnection connection, string grainKey, string? stateName = null)
    {
        var serviceId = _cluster.Silos[0].ServiceProvider.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;
        await using var command = new NpgsqlCommand(
            "SELECT state_name, version, payload::text FROM grain_state WHERE grain_id LIKE '%/' || @key AND service_id = @service AND (@state::text IS NULL OR state_name = @state)",
            connection);
        command.Parameters.AddWithValue("key", grainKey);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.Add(new NpgsqlParameter<string?>("state", stateName));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no grain_state row for {grainKey}");
        var row = (reader.GetString(0), reader.GetInt32(1), reader.GetString(2));
        Assert.False(await reader.ReadAsync(), $"more than one grain_state row for {grainKey}");
        return row;
    }
}
