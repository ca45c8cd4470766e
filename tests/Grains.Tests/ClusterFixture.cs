using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansPlans.Domain;

namespace OrleansPlans.Grains.Tests;

/// <summary>One two-silo in-process cluster for the whole collection (in-memory storage, System.Text.Json state).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public PlanData Data { get; private set; } = null!;

    public static IConfiguration Configuration { get; } = new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["OrleansPlans:Rollup:ReconcilePeriod"] = "00:00:02" })
        .AddEnvironmentVariables()
        .Build();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Plans);
            silo.UseInMemoryReminderService();
#pragma warning disable ORLEANSEXP006
            silo.UseSystemTextJsonGrainStorageSerializer();
#pragma warning restore ORLEANSEXP006
            silo.Services.AddPlanGrainServices(Configuration);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Data = Cluster.Silos[0].ServiceProvider.GetRequiredService<PlanData>();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
