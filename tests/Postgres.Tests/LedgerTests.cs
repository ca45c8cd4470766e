using Npgsql;
using OrleansPlans.Contracts;
using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class LedgerTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Ledger_appends_once_per_batch_cell_and_refuses_changes()
    {
        var connectionString = await fixture.NewMigratedDatabaseAsync("ledger");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var ledger = new PostgresDataValueLedger(dataSource);
        var batch = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow; // a push has one time and one principal
        var old = new StoredValue(1, 5000, null, "health", now.AddDays(-1), Guid.NewGuid());
        LedgerEntry[] entries =
        [
            new(batch, "county-system-511725", now, "511725", "maternal-mortality-rate", 2023, "", old,
                new DataValueRow("maternal-mortality-rate", 2023, "", 2, 5200, null, "health")),
            new(batch, "county-system-511725", now, "511725", "children-homes-count", 2023, "", null,
                new DataValueRow("children-homes-count", 2023, "", null, null, 17, "civil-affairs")),
        ];

        await ledger.AppendAsync(entries);
        await ledger.AppendAsync(entries); // a replay after a crash adds nothing

        await using var count = dataSource.CreateCommand("SELECT count(*), sum(new_numerator), sum(old_numerator), sum(new_value) FROM data_value_ledger_entries");
        await using (var reader = await count.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((2L, 2m, 1m, 17m), (reader.GetInt64(0), reader.GetDecimal(1), reader.GetDecimal(2), reader.GetDecimal(3)));
        }
        await using (var stored = dataSource.CreateCommand("SELECT count(*), min(cardinality(indicators)) FROM data_value_ledger_push"))
        await using (var reader = await stored.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((1L, 2), (reader.GetInt64(0), reader.GetInt32(1))); // one row for the push, its two entries in it
        }
        foreach (var change in new[]
        {
            "UPDATE data_value_ledger_push SET principal = 'someone-else'",
            "DELETE FROM data_value_ledger_push",
            "UPDATE data_value_ledger_entries SET new_numerator = 0",
            "DELETE FROM data_value_ledger_entries",
        })
        {
            await using var command = dataSource.CreateCommand(change);
            await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        }
    }

    [Fact]
    public async Task Concurrent_appends_of_one_push_record_it_once_and_other_pushes_are_kept()
    {
        var connectionString = await fixture.NewMigratedDatabaseAsync("ledger-concurrent");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var ledger = new PostgresDataValueLedger(dataSource);
        var now = DateTimeOffset.UtcNow;
        LedgerEntry[] Push(Guid batch, string county) =>
        [
            .. Enumerable.Range(2020, 5).Select(year => new LedgerEntry(batch, "county-system", now, county, "maternal-mortality-rate", year, "",
                null, new DataValueRow("maternal-mortality-rate", year, "", year - 2019, 5000, null, "health"))),
        ];
        var batch = Guid.NewGuid();
        // Eight appends of the same push at once (a duplicate activation racing a replay), plus the same batch id at
        // another county and a second push of the first county.
        await Task.WhenAll([
            .. Enumerable.Range(0, 8).Select(_ => ledger.AppendAsync(Push(batch, "511725"))),
            ledger.AppendAsync(Push(batch, "511722")),
            ledger.AppendAsync(Push(Guid.NewGuid(), "511725")),
        ]);

        await using var count = dataSource.CreateCommand(
            "SELECT org_unit, count(*), sum(new_numerator) FROM data_value_ledger_entries GROUP BY org_unit ORDER BY org_unit");
        await using var reader = await count.ExecuteReaderAsync();
        var rows = new List<(string, long, decimal)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetDecimal(2)));
        }
        Assert.Equal([("511722", 5L, 15m), ("511725", 10L, 30m)], rows);
    }

    [Fact]
    public async Task Entries_recorded_row_by_row_before_0011_are_read_with_the_new_ones_and_their_push_is_not_recorded_again()
    {
        var connectionString = await fixture.NewMigratedDatabaseAsync("ledger-layouts");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var recordedBefore = Guid.NewGuid();
        // A push an earlier silo recorded in the per-value table (db/migrations/0005) before the upgrade.
        await using (var legacy = dataSource.CreateCommand("""
            INSERT INTO data_value_ledger (batch_id, principal, org_unit, indicator, year, disaggregation, new_numerator, new_denominator, department)
            VALUES ($1, 'county-system', '511725', 'maternal-mortality-rate', 2022, '', 3, 5100, 'health'),
                   ($1, 'county-system', '511725', 'maternal-mortality-rate', 2022, 'area=urban', 1, 2000, 'health')
            """))
        {
            legacy.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = recordedBefore });
            await legacy.ExecuteNonQueryAsync();
        }
        var ledger = new PostgresDataValueLedger(dataSource);
        var now = DateTimeOffset.UtcNow;
        LedgerEntry Entry(Guid batch, int year, string disaggregation, decimal numerator) =>
            new(batch, "county-system", now, "511725", "maternal-mortality-rate", year, disaggregation, null,
                new DataValueRow("maternal-mortality-rate", year, disaggregation, numerator, 5000, null, null));

        // The replay of that push after the upgrade (a county finishing it after a crash) adds nothing...
        await ledger.AppendAsync([Entry(recordedBefore, 2022, "", 3), Entry(recordedBefore, 2022, "area=urban", 1)]);
        // ...a new push is recorded, with a figure without a department (kept as NULL).
        var recordedAfter = Guid.NewGuid();
        await ledger.AppendAsync([Entry(recordedAfter, 2023, "", 4), Entry(recordedAfter, 2023, "area=rural", 2)]);
        // Entries of one push that disagree on its principal or time cannot be stored as one push.
        var disagreeing = Guid.NewGuid();
        await Assert.ThrowsAsync<ArgumentException>(() => ledger.AppendAsync(
            [Entry(disagreeing, 2024, "", 1), Entry(disagreeing, 2024, "area=urban", 1) with { RecordedAt = now.AddSeconds(1) }]));

        await using var read = dataSource.CreateCommand("""
            SELECT batch_id, year, disaggregation, new_numerator, department, old_value IS NULL FROM data_value_ledger_entries
             ORDER BY year, disaggregation
            """);
        await using var reader = await read.ExecuteReaderAsync();
        var rows = new List<(Guid, int, string, decimal, string?, bool)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetInt32(1), reader.GetString(2), reader.GetDecimal(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5)));
        }
        Assert.Equal(
        [
            (recordedBefore, 2022, "", 3m, "health", true),
            (recordedBefore, 2022, "area=urban", 1m, "health", true),
            (recordedAfter, 2023, "", 4m, null, true),
            (recordedAfter, 2023, "area=rural", 2m, null, true),
        ], rows);
    }
}
