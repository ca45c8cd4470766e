using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using OrleansPlans.Silo.Hosting.Storage;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// A two-silo in-process cluster (test membership) whose "plans" grain storage is the production group-commit provider on a migrated
/// PostgreSQL database, with the production's System.Text.Json state settings and the project's grain services (roll-ups reconcile every 2 s).
/// </summary>
public static class PostgresTestCluster
{
    public static async Task<InProcessTestCluster> StartAsync(string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["OrleansPlans:Rollup:ReconcilePeriod"] = "00:00:02" })
            .Build();
        var builder = new InProcessTestClusterBuilder(2);
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
