using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class MigrationTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Migrations_apply_once_and_concurrent_migrators_do_not_collide()
    {
        var connectionString = await fixture.Server.CreateDatabaseAsync("migrate_" + Guid.NewGuid().ToString("N")[..8]);
        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => new DatabaseMigrator(connectionString, NullLogger.Instance).MigrateAsync()));

        var expected = Directory.GetFiles(DatabaseMigrator.LocateMigrations(), "*.sql").Length;
        Assert.Equal(expected, runs.Sum(r => r.Count));         // every script applied exactly once across the eight
        Assert.Empty(await new DatabaseMigrator(connectionString, NullLogger.Instance).MigrateAsync());

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var keys = new NpgsqlCommand("SELECT count(*) FROM OrleansQuery", connection);
        Assert.Equal(20L, (long)(await keys.ExecuteScalarAsync())!); // 9 clustering + 4 storage + 7 reminders
        await using var types = new NpgsqlCommand(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'", connection);
        Assert.Equal(0L, (long)(await types.ExecuteScalarAsync())!);
    }
}
