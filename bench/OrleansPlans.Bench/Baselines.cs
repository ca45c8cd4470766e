using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using OrleansPlans.Domain;

namespace OrleansPlans.Bench;

public sealed record NaiveWriteResult(int Connections, long Values, double Seconds, double ValuesPerSecond, LatencySummary StatementLatency, bool Capped);

public sealed record SqlRollupResult(
    long Rows, double CopySeconds, double CopyValuesPerSecond, int Readers, double Seconds, long Queries, double QueriesPerSecond,
    LatencySummary Latency, int ResultRows, bool MatchesExpected, string Plan);

/// <summary>
/// The plain-PostgreSQL designs the system is compared with, on the same server:
/// (a) one upsert per value (the ceiling of naive per-value writes) and
/// (b) CRUD + SQL: values in a table (bulk-loaded by COPY), the province roll-up computed by one aggregate query per read.
/// </summary>
public sealed class Baselines(string connectionString, Scenario scenario, BenchOptions options, Action<string> progress)
{
    private const string NaiveTable = """
        DROP TABLE IF EXISTS bench_naive;
        CREATE TABLE bench_naive (
            org_unit text NOT NULL, indicator text NOT NULL, year int NOT NULL, disaggregation text NOT NULL,
            numerator numeric, denominator numeric, value numeric, department text,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (org_unit, indicator, year, disaggregation));
        """;

    private const string Upsert = """
        INSERT INTO bench_naive (org_unit, indicator, year, disaggregation, numerator, denominator, value, department)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (org_unit, indicator, year, disaggregation) DO UPDATE
        SET numerator = excluded.numerator, denominator = excluded.denominator, value = excluded.value,
            department = excluded.department, updated_at = now()
        """;

    private const string CrudTables = """
        DROP TABLE IF EXISTS bench_values;
        DROP TABLE IF EXISTS bench_org_units;
        CREATE TABLE bench_org_units (code text PRIMARY KEY, city text NOT NULL, province text NOT NULL);
        CREATE TABLE bench_values (
            org_unit text NOT NULL, indicator text NOT NULL, year int NOT NULL, disaggregation text NOT NULL,
            numerator numeric, denominator numeric, value numeric, department text,
            PRIMARY KEY (org_unit, indicator, year, disaggregation));
        """;

    /// <summary>
    /// The province roll-up at read time: Σ parts per indicator × disaggregation over the province's counties (the
    /// application knows the division tree, so it passes the province's county codes), served by the (year, org_unit) index.
    /// </summary>
    public const string RollupSql = """
        SELECT v.indicator, v.disaggregation,
               sum(v.numerator) AS numerator, sum(v.denominator) AS denominator,
               sum(v.value) AS value, sum(v.value * v.denominator) AS weighted, count(*) AS units
        FROM bench_values v
        WHERE v.year = $2 AND v.org_unit = ANY($1)
        GROUP BY v.indicator, v.disaggregation
        """;

    private string[] ProvinceCounties => [.. scenario.Data.LeavesOf(scenario.Province.Code).Select(c => c.Code)];

    /// <summary>(a) The same values, one INSERT … ON CONFLICT DO UPDATE per value (autocommit), by --clients connections.</summary>
    public async Task<NaiveWriteResult> NaiveWritesAsync()
    {
        await ExecuteAsync(NaiveTable);
        var countyIndex = scenario.Counties.Select((c, i) => (c.County.Code, i)).ToDictionary(x => x.Code, x => x.i, StringComparer.Ordinal);
        var slices = Enumerable.Range(0, options.Clients)
            .Select(c => scenario.Batches.Where(b => countyIndex[b.County] % options.Clients == c).OrderBy(b => b.Year).ThenBy(b => countyIndex[b.County]).ToArray())
            .ToArray();
        var recorders = slices.Select(_ => new Recorder()).ToArray();
        long written = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(options.BaselineSeconds * Stopwatch.Frequency);
        var capped = false;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(c => Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(Upsert, connection);
            var p = new NpgsqlParameter[]
            {
                new() { NpgsqlDbType = NpgsqlDbType.Text }, new() { NpgsqlDbType = NpgsqlDbType.Text }, new() { NpgsqlDbType = NpgsqlDbType.Integer },
                new() { NpgsqlDbType = NpgsqlDbType.Text }, new() { NpgsqlDbType = NpgsqlDbType.Numeric }, new() { NpgsqlDbType = NpgsqlDbType.Numeric },
                new() { NpgsqlDbType = NpgsqlDbType.Numeric }, new() { NpgsqlDbType = NpgsqlDbType.Text },
            };
            command.Parameters.AddRange(p);
            await command.PrepareAsync();
            var sampled = 0;
            foreach (var batch in slices[c])
            {
                foreach (var row in batch.Rows)
                {
                    if (Stopwatch.GetTimestamp() > deadline)
                    {
                        capped = true;
                        return;
                    }
                    p[0].Value = batch.County;
                    p[1].Value = row.Indicator;
                    p[2].Value = row.Year;
                    p[3].Value = row.Disaggregation;
                    p[4].Value = (object?)row.Numerator ?? DBNull.Value;
                    p[5].Value = (object?)row.Denominator ?? DBNull.Value;
                    p[6].Value = (object?)row.Value ?? DBNull.Value;
                    p[7].Value = (object?)row.Department ?? DBNull.Value;
                    var start = Stopwatch.GetTimestamp();
                    await command.ExecuteNonQueryAsync();
                    if (++sampled % 4 == 0)
                    {
                        recorders[c].Add(start);
                    }
                    Interlocked.Increment(ref written);
                }
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        progress($"  baseline (a): {written:N0} single-row upserts in {seconds:F1} s{(capped ? $" (capped at --baseline-seconds {options.BaselineSeconds})" : "")}");
        return new NaiveWriteResult(options.Clients, written, seconds, written / seconds, Recorder.Merge(recorders), capped);
    }

    /// <summary>(b) COPY every value into a plain table, then 64 readers run the aggregate roll-up query.</summary>
    public async Task<SqlRollupResult> SqlRollupAsync(int year)
    {
        await ExecuteAsync(CrudTables);
        var copyClock = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using (var units = await connection.BeginBinaryImportAsync("COPY bench_org_units (code, city, province) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var (county, city) in scenario.Counties)
                {
                    var province = scenario.Data.ChainOf(county.Code).First(u => u.Level == OrgUnitLevel.Province).Code;
                    await units.WriteRowAsync(default, county.Code, city, province);
                }
                await units.CompleteAsync();
            }
            await using var values = await connection.BeginBinaryImportAsync(
                "COPY bench_values (org_unit, indicator, year, disaggregation, numerator, denominator, value, department) FROM STDIN (FORMAT BINARY)");
            foreach (var batch in scenario.Batches)
            {
                foreach (var row in batch.Rows)
                {
                    await values.StartRowAsync();
                    await values.WriteAsync(batch.County, NpgsqlDbType.Text);
                    await values.WriteAsync(row.Indicator, NpgsqlDbType.Text);
                    await values.WriteAsync(row.Year, NpgsqlDbType.Integer);
                    await values.WriteAsync(row.Disaggregation, NpgsqlDbType.Text);
                    await WriteNullableAsync(values, row.Numerator);
                    await WriteNullableAsync(values, row.Denominator);
                    await WriteNullableAsync(values, row.Value);
                    if (row.Department is null)
                    {
                        await values.WriteNullAsync();
                    }
                    else
                    {
                        await values.WriteAsync(row.Department, NpgsqlDbType.Text);
                    }
                }
            }
            await values.CompleteAsync();
        }
        var copySeconds = copyClock.Elapsed.TotalSeconds;
        // The index a CRUD design would add for "a province's counties in a year", then fresh statistics.
        await ExecuteAsync("CREATE INDEX bench_values_year_org ON bench_values (year, org_unit); ANALYZE bench_values; ANALYZE bench_org_units;");
        progress($"  baseline (b): COPY of {scenario.Values:N0} values in {copySeconds:F1} s");

        var expected = scenario.Expected(scenario.Province.Code, year);
        var (resultRows, matches) = await CheckSqlAsync(year, expected);
        var plan = await ExplainAsync(year);

        var readers = Math.Max(1, options.Readers);
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = readers + 4 };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        for (var i = 0; i < 20; i++)
        {
            await QueryOnceAsync(dataSource, year);
        }
        var recorders = Enumerable.Range(0, readers).Select(_ => new Recorder()).ToArray();
        // The same unmeasured warm-up as the gateway's read phases: the readers run from the start, and a query counts
        // when it starts after the warm-up.
        var measureFrom = Stopwatch.GetTimestamp() + (long)(options.ReadWarmupSeconds * Stopwatch.Frequency);
        var deadline = measureFrom + (long)(options.ReadSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, readers).Select(r => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var start = Stopwatch.GetTimestamp();
                await QueryOnceAsync(dataSource, year);
                if (start >= measureFrom)
                {
                    recorders[r].Add(start);
                }
            }
        })));
        var seconds = Stopwatch.GetElapsedTime(measureFrom).TotalSeconds;
        var latency = Recorder.Merge(recorders);
        return new SqlRollupResult(scenario.Values, copySeconds, scenario.Values / copySeconds, readers, seconds, latency.Count, latency.Count / seconds,
            latency, resultRows, matches, plan);
    }

    private async Task<int> QueryOnceAsync(NpgsqlDataSource dataSource, int year)
    {
        await using var command = dataSource.CreateCommand(RollupSql);
        command.Parameters.Add(new NpgsqlParameter<string[]>() { TypedValue = ProvinceCounties });
        command.Parameters.Add(new NpgsqlParameter<int>() { TypedValue = year });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            // Materialise every column, as an API serving the roll-up would.
            _ = reader.GetString(0);
            _ = reader.GetString(1);
            for (var i = 2; i < 6; i++)
            {
                _ = reader.IsDBNull(i) ? (decimal?)null : reader.GetDecimal(i);
            }
            _ = reader.GetInt64(6);
            rows++;
        }
        return rows;
    }

    /// <summary>The SQL answer compared with the tool's own sums (the baseline must compute the same roll-up).</summary>
    private async Task<(int Rows, bool Matches)> CheckSqlAsync(int year, Dictionary<(string Indicator, string Disaggregation), ExpectedCell> expected)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(RollupSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]>() { TypedValue = ProvinceCounties });
        command.Parameters.Add(new NpgsqlParameter<int>() { TypedValue = year });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        var matches = true;
        while (await reader.ReadAsync())
        {
            rows++;
            var key = (reader.GetString(0), reader.GetString(1));
            decimal? Get(int i) => reader.IsDBNull(i) ? null : reader.GetDecimal(i);
            var kind = scenario.Data.Indicators[key.Item1].Kind;
            var (num, den) = kind switch
            {
                IndicatorKind.Rate or IndicatorKind.Percentage => (Get(2), Get(3)),
                IndicatorKind.Mean => (Get(5), Get(3)),
                _ => (Get(4), (decimal?)null),
            };
            if (!expected.TryGetValue(key, out var want) || want.Numerator != num || want.Denominator != den || want.ReportingUnits != reader.GetInt64(6))
            {
                matches = false;
            }
        }
        return (rows, matches && rows == expected.Count);
    }

    private async Task<string> ExplainAsync(int year)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + RollupSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]>() { TypedValue = ProvinceCounties });
        command.Parameters.Add(new NpgsqlParameter<int>() { TypedValue = year });
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join('\n', lines);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter importer, decimal? value) =>
        value is { } v ? importer.WriteAsync(v, NpgsqlDbType.Numeric) : importer.WriteNullAsync();
}
