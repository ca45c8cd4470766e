using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace OrleansPlans.Placement;

/// <summary>Places a grain on the silo that owns its city's partition (<see cref="CityPartitions"/>).</summary>
public sealed class CityPartitionPlacement : PlacementStrategy
{
    public static CityPartitionPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class whose key names an org unit (or a county and a leaf) for <see cref="CityPartitionPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CityPartitionPlacementAttribute() : PlacementAttribute(CityPartitionPlacement.Instance);

/// <summary>
/// Orleans asks this for every new activation's silo, so a grain deactivated by <see cref="PartitionRebalancer"/>
/// comes back on its partition's owner with the next call to it.
/// </summary>
public sealed class CityPartitionPlacementDirector(PartitionTable partitions) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context) =>
        Task.FromResult(partitions.OwnerOf(target.GrainIdentity.Key.ToString()!, context.GetCompatibleSilos(target)) ?? context.LocalSilo);
}
