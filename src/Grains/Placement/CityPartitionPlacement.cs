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

/// <summary>What a partitioned grain does when <see cref="PartitionRebalancer"/> asks it to move.</summary>
public static class PartitionMoves
{
    /// <summary>
    /// How long a moving grain stays in its deactivation. Calls addressed to it meanwhile (the rebalancer's wake-up sent
    /// right after the move, a roll-up's, a push's) wait and are then placed afresh, on the owner. Without the pause an
    /// idle grain was gone within a millisecond, and a call addressed to it just before reached this silo after it went:
    /// Orleans activates a grain where a call for it arrives, so it came back here (session 15's three-silo runs).
    /// </summary>
    public static readonly TimeSpan HandOverPause = TimeSpan.FromMilliseconds(100);

    /// <summary>The activations asked to move (weak: an activation is a new grain instance, dropped once it has gone).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IGrainBase, object> Moving = new();
    private static readonly object Asked = new();

    /// <summary>
    /// Deactivates the grain (it takes no new calls and finishes the running ones); the rebalancer's next call to it
    /// then activates it on its owner, where it re-reads its state.
    /// </summary>
    /// <remarks>
    /// Not <c>MigrateOnIdle</c>: Orleans migrates grains in batches and accepts a batch once its activations are up, but
    /// a city activating on the new silo waits for its counties' contributions, and a county of the same batch answers
    /// only once the batch is accepted — 30-s timeouts in the benchmark's two-silo run (docs/benchmarks.md, session 14).
    /// A plain deactivation has no such cycle.
    /// </remarks>
    public static Task Start(IGrainBase grain)
    {
        Moving.AddOrUpdate(grain, Asked);
        grain.DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>Awaited at the end of a partitioned grain's deactivation: pauses a grain that is moving (<see cref="HandOverPause"/>).</summary>
    public static Task HandOverAsync(IGrainBase grain) =>
        Moving.TryGetValue(grain, out _) ? Task.Delay(HandOverPause) : Task.CompletedTask;
}
