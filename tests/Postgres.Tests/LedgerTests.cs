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
}
