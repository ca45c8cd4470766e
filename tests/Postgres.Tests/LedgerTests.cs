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
        var old = new StoredValue(1, 5000, null, "health", DateTimeOffset.UtcNow.AddDays(-1), Guid.NewGuid());
        LedgerEntry[] entries =
        [
            new(batch, "county-system-511725", DateTimeOffset.UtcNow, "511725", "maternal-mortality-rate", 2023, "", old,
                new DataValueRow("maternal-mortality-rate", 2023, "", 2, 5200, null, "health")),
            new(batch, "county-system-511725", DateTimeOffset.UtcNow, "511725", "children-homes-count", 2023, "", null,
                new DataValueRow("children-homes-count", 2023, "", null, null, 17, "civil-affairs")),
        ];

        await ledger.AppendAsync(entries);
        await ledger.AppendAsync(entries); // a replay after a crash adds nothing

        await using var count = dataSource.CreateCommand("SELECT count(*), sum(new_numerator), sum(old_numerator), sum(new_value) FROM data_value_ledger");
        await using (var reader = await count.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((2L, 2m, 1m, 17m), (reader.GetInt64(0), reader.GetDecimal(1), reader.GetDecimal(2), reader.GetDecimal(3)));
        }
        await using var update = dataSource.CreateCommand("UPDATE data_value_ledger SET new_numerator = 0");
        await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
        await using var delete = dataSource.CreateCommand("DELETE FROM data_value_ledger");
        await Assert.ThrowsAsync<PostgresException>(() => delete.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task Concurrent_appends_of_one_push_record_it_once_and_other_pushes_are_kept()
    {
        var connectionString = await fixture.NewMigratedDatabaseAsync("ledger-concurrent");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var ledger = new PostgresDataValueLedger(dataSource);
        LedgerEntry[] Push(Guid batch, string county) =>
        [
            .. Enumerable.Range(2020, 5).Select(year => new LedgerEntry(batch, "county-system", DateTimeOffset.UtcNow, county, "maternal-mortality-rate", year, "",
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
            "SELECT org_unit, count(*), sum(new_numerator) FROM data_value_ledger GROUP BY org_unit ORDER BY org_unit");
        await using var reader = await count.ExecuteReaderAsync();
        var rows = new List<(string, long, decimal)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetDecimal(2)));
        }
        Assert.Equal([("511722", 5L, 15m), ("511725", 10L, 30m)], rows);
    }
}
