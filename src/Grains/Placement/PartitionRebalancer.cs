using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Placement;

/// <summary>Tuning of <see cref="PartitionRebalancer"/> (section <c>OrleansPlans:Placement</c>).</summary>
public sealed class PartitionPlacementOptions
{
    /// <summary>
    /// How long after a membership change the silo waits before moving grains: a joining silo's grain types reach the
    /// other silos' placement a moment after its membership row, and a rolling restart changes membership repeatedly.
    /// </summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the silo re-checks its grains anyway; after a pass that moved grains it re-checks sooner
    /// (<see cref="SettleDelay"/>, doubling while passes keep moving some), until a pass finds nothing to move.</summary>
    public TimeSpan CheckPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many grains are asked to move at once (each move is a deactivation here and an activation there). A silo
    /// added during the benchmark's national ingest held its share 31 and 44 s after it was ready with 64, 56 s with 16,
    /// with no error and a shorter freshness tail (docs/benchmarks.md, session 14).
    /// </summary>
    public int MaxConcurrentMoves { get; set; } = 64;
}

/// <summary>
/// Keeps the partitioned grains (counties and roll-ups) of this silo on their partitions' owners. Placement alone puts
/// a new activation on its owner, but activations outlive membership: silos that start together place everything on
/// the first one up (it warms the provinces before the others join), and a silo that joins later would otherwise get
/// nothing until grains are collected. After every membership change (and every <see cref="PartitionPlacementOptions.CheckPeriod"/>)
/// each silo asks the grains it holds for a partition owned elsewhere to deactivate (they stop taking calls and finish
/// the ones running), and calls each again at once, which activates it on the owner (a moved roll-up is warm again,
/// not rebuilt by the next reader).
/// </summary>
/// <remarks>
/// <para>A move is a deactivation here and a reactivation on the owner: a county re-reads its year rows, a roll-up
/// rebuilds from its children, as after any restart. Pushes are in PostgreSQL before they are acknowledged, so nothing
/// depends on memory that a move drops.</para>
/// <para>A call that reaches this silo with a stale address in the moment between the deactivation and the activation
/// on the owner activates the grain here again (Orleans activates a grain where a call for it arrives); the next
/// check, at most <see cref="PartitionPlacementOptions.CheckPeriod"/> later, moves it again.</para>
/// </remarks>
public sealed partial class PartitionRebalancer(
    IClusterMembershipService membership,
    IClusterManifestProvider manifest,
    ILocalSiloDetails localSilo,
    IGrainFactory grains,
    PlanData data,
    PartitionTable partitions,
    IOptions<PartitionPlacementOptions> options,
    ILogger<PartitionRebalancer> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<GrainId, string> _local = new();
    private readonly SemaphoreSlim _changed = new(0);
    private CancellationTokenSource? _stopping;
    private Task _loop = Task.CompletedTask;
    private Task _watch = Task.CompletedTask;

    /// <summary>Called by a partitioned grain as it activates here.</summary>
    public void Activated(Grain grain) =>
        _local[grain.GetGrainId()] = CityPartitions.Of(data, grain.GetPrimaryKeyString());

    /// <summary>Called by a partitioned grain as it deactivates here.</summary>
    public void Deactivated(Grain grain) => _local.TryRemove(grain.GetGrainId(), out _);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PartitionRebalancer), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    /// <summary>The partitioned grains held here, and how many of them another silo owns (for /metrics).</summary>
    public (int Held, int Misplaced) Count() => (_local.Count, Misplaced(ActiveSilos()).Count);

    /// <summary>
    /// The grains held here whose partition another of <paramref name="silos"/> owns; none while this silo is not among
    /// them (joining, or shutting down: a stopping silo's grains are deactivated and re-placed by Orleans itself).
    /// </summary>
    private List<GrainId> Misplaced(List<SiloAddress> silos)
    {
        var here = localSilo.SiloAddress;
        if (!silos.Contains(here))
        {
            return [];
        }
        var owners = partitions.For(silos);
        return [.. _local.Where(g => owners.OwnerOf(g.Value) is { } owner && !owner.Equals(here)).Select(g => g.Key)];
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        PlansMetrics.AddPlacementSource(this, Count);
        _stopping = new CancellationTokenSource();
        _watch = Task.Run(() => WatchMembershipAsync(_stopping.Token));
        _loop = Task.Run(() => RebalanceLoopAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        PlansMetrics.RemovePlacementSource(this);
        if (_stopping is null)
        {
            return;
        }
        await _stopping.CancelAsync();
        await Task.WhenAll(_watch, _loop).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                _changed.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RebalanceLoopAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var movingPasses = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // After a pass that moved grains, look again soon: a grain can come back here (a call with a stale
                // address) or have been placed by a silo that did not yet see the newcomer. Back off while passes keep
                // finding some (5, 10, 20 s, then the check period), so a grain that keeps coming back is not bounced
                // every few seconds.
                var step = Math.Max(settings.SettleDelay.Ticks, TimeSpan.TicksPerSecond);
                var wait = movingPasses == 0 ? settings.CheckPeriod
                    : TimeSpan.FromTicks(Math.Min(settings.CheckPeriod.Ticks, step << Math.Min(movingPasses - 1, 16)));
                if (await _changed.WaitAsync(wait, cancellationToken))
                {
                    await Task.Delay(settings.SettleDelay, cancellationToken);
                    // Membership changes that arrived while settling are covered by this pass.
                    while (_changed.CurrentCount > 0)
                    {
                        await _changed.WaitAsync(cancellationToken);
                    }
                }
                movingPasses = await RebalanceAsync(settings.MaxConcurrentMoves, cancellationToken) > 0 ? movingPasses + 1 : 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogPassFailed(logger, e);
            }
        }
    }

    /// <summary>Asks every grain held here whose partition another silo owns to move; returns how many were asked.</summary>
    private async Task<int> RebalanceAsync(int maxConcurrentMoves, CancellationToken cancellationToken)
    {
        var silos = ActiveSilos();
        var misplaced = Misplaced(silos);
        if (misplaced.Count == 0)
        {
            return 0;
        }
        LogMoving(logger, misplaced.Count, _local.Count, silos.Count, string.Join(", ", misplaced.Take(5)));
        PlansMetrics.PlacementMoves.Add(misplaced.Count);
        await Parallel.ForEachAsync(misplaced, new ParallelOptions { MaxDegreeOfParallelism = maxConcurrentMoves, CancellationToken = cancellationToken },
            async (grain, _) =>
            {
                try
                {
                    var partitioned = grains.GetGrain<IPartitionedGrain>(grain);
                    await partitioned.MoveToOwnerAsync();
                    await partitioned.WakeAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next pass asks again.
                    LogMoveFailed(logger, e, grain);
                }
            });
        return misplaced.Count;
    }

    /// <summary>The silos placement chooses among: active in the membership and known to host grains (manifest).</summary>
    private List<SiloAddress> ActiveSilos()
    {
        var known = manifest.Current.Silos;
        return [.. membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && known.ContainsKey(m.SiloAddress))
            .Select(m => m.SiloAddress)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moving {Count} of {Local} partitioned grains to their owners among {Silos} active silos (first: {First})")]
    private static partial void LogMoving(ILogger logger, int count, int local, int silos, string first);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asking {Grain} to move to its partition's owner failed")]
    private static partial void LogMoveFailed(ILogger logger, Exception exception, GrainId grain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A partition rebalancing pass failed; the next one retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
