using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using OrleansPlans.Silo.Hosting.Storage;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// An in-process cluster (two silos unless asked otherwise; test membership) whose "plans" grain storage is the
/// production group-commit provider on a migrated PostgreSQL database, with the production's System.Text.Json state
/// settings and the project's grain services (roll-ups reconcile every 2 s; <paramref name="settings"/> add to that).
/// </summary>
public static class PostgresTestCluster
{
    public static async Task<InProcessTestCluster> StartAsync(string connectionString, int silos = 2, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?> { ["OrleansPlans:Rollup:ReconcilePeriod"] = "00:00:02" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddBatchedPostgresGrainStorage(StorageNames.Plans, connectionString);
            silo.UsePlansGrainStateJson();
            silo.Services.AddPlanGrainServices(configuration);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
