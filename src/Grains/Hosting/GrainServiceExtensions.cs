using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Loading;
using OrleansPlans.Placement;

namespace OrleansPlans;

public static class GrainServiceExtensions
{
    /// <summary>
    /// Registers what the grains need: the plan data loaded (and validated) from <c>data/</c>, the clock and the
    /// roll-up options. Shared by the silo host, the embedded gateway and the grain tests.
    /// </summary>
    public static IServiceCollection AddPlanGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => PlanDataLoader.Load(
            PlanDataLoader.LocateDataDirectory(configuration["OrleansPlans:DataPath"]),
            configuration.GetValue("OrleansPlans:BaselineYear", 2020)));
        services.AddSingleton(sp => ValidationRuleSet.Load(
            PlanDataLoader.LocateDataDirectory(configuration["OrleansPlans:DataPath"]), sp.GetRequiredService<PlanData>()));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IIncomingGrainCallFilter, StorageFaultFilter>();
        // A grain whose state cannot be read fails to activate with the driver's exception inside Orleans' own; let it
        // cross the wire (instead of a CodecNotFoundException) so that the gateway sees a DbException and answers 503.
        services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
        services.TryAddSingleton<IDataValueLedger, InMemoryDataValueLedger>();
        services.AddOptions<RollupOptions>().Bind(configuration.GetSection("OrleansPlans:Rollup"));
        services.AddOptions<MonitoringOptions>().Bind(configuration.GetSection("OrleansPlans:Monitoring"));
        // A city's subtree lives on one silo, spread over the silos by its code; see CityPartitions.
        services.AddSingleton<PartitionTable>();
        services.AddPlacementDirector<CityPartitionPlacement, CityPartitionPlacementDirector>();
        services.AddOptions<PartitionPlacementOptions>().Bind(configuration.GetSection("OrleansPlans:Placement"));
        services.AddSingleton<PartitionRebalancer>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<PartitionRebalancer>());
        return services;
    }
}
