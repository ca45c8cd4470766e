using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansPlans.Contracts;
using OrleansPlans.Counties;
using OrleansPlans.Domain;
using OrleansPlans.Rollups;

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
/// <para>Orleans activates a grain wherever a call for it arrives, so a call that reaches this silo just after the
/// grain left activates it here again. Three things keep that rare: counties move before their cities and cities
/// before provinces (a roll-up activating on its owner calls all its children); a moving grain pauses in its
/// deactivation so that calls already addressed to it wait and are placed afresh (<see cref="PartitionMoves.HandOverPause"/>);
/// and the wake-up is checked and retried. A grain that comes back anyway (a silo's cached address, a push) is
/// counted (<c>orleansplans_placement_returns_total</c>), logged, and moved again after
/// <see cref="PartitionPlacementOptions.SettleDelay"/> for its first two returns within a few minutes, at the periodic
/// check after that.</para>
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
    /// <summary>The partitioned grains held here: their partition, and their level (0 county, 1 city, 2 province).</summary>
    private readonly ConcurrentDictionary<GrainId, (string Partition, int Level)> _local = new();

    /// <summary>Grains this silo handed over, when (timestamp) and how many times they came back since.</summary>
    private readonly ConcurrentDictionary<GrainId, (long LeftAt, int Returns)> _handedOver = new();

    /// <summary>How long a handed-over grain is remembered, and how many returns within that time trigger an early pass.</summary>
    private static readonly TimeSpan HandedOverMemory = TimeSpan.FromMinutes(5);
    private const int EarlyPassesPerGrain = 2;
    private long _returns;
    private readonly SemaphoreSlim _changed = new(0);
    private CancellationTokenSource? _stopping;
    private Task _loop = Task.CompletedTask;
    private Task _watch = Task.CompletedTask;

    /// <summary>Called by a partitioned grain as it activates here.</summary>
    public void Activated(Grain grain)
    {
        var id = grain.GetGrainId();
        var partition = CityPartitions.Of(data, grain.GetPrimaryKeyString());
        _local[id] = (partition, grain switch { CountyGrain => 0, CityGrain => 1, _ => 2 });
        if (_handedOver.TryGetValue(id, out var handedOver))
        {
            var silos = ActiveSilos();
            if (!silos.Contains(localSilo.SiloAddress) || partitions.For(silos).OwnerOf(partition) is not { } owner || owner.Equals(localSilo.SiloAddress))
            {
                // Placed here on purpose: the membership changed and this silo owns its partition again.
                _handedOver.TryRemove(id, out _);
                return;
            }
            // It came back: a call carried this silo's address for it (a silo's directory cache, or a call that reached
            // it between the deactivation here and the activation on the owner) and Orleans activates a grain where a
            // call arrives. Move it again after the settle delay rather than at the next periodic check, but only for
            // its first returns, so a grain that keeps coming back is not bounced every few seconds.
            var returns = handedOver.Returns + 1;
            _handedOver[id] = (handedOver.LeftAt, returns);
            var seconds = TimeProvider.System.GetElapsedTime(handedOver.LeftAt).TotalSeconds;
            PlansMetrics.PlacementReturns.Add(1);
            Interlocked.Increment(ref _returns);
            LogReturned(logger, id, seconds, returns);
            if (returns <= EarlyPassesPerGrain)
            {
                _changed.Release();
            }
        }
    }

    /// <summary>How many grains this silo handed over came back to it (<c>orleansplans_placement_returns_total</c> of this silo).</summary>
    public long Returns => Interlocked.Read(ref _returns);

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
        return [.. _local.Where(g => owners.OwnerOf(g.Value.Partition) is { } owner && !owner.Equals(here)).Select(g => g.Key)];
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
        foreach (var (grain, handedOver) in _handedOver)
        {
            if (TimeProvider.System.GetElapsedTime(handedOver.LeftAt) > HandedOverMemory)
            {
                _handedOver.TryRemove(grain, out _);
            }
        }
        var misplaced = Misplaced(silos);
        if (misplaced.Count == 0)
        {
            return 0;
        }
        LogMoving(logger, misplaced.Count, _local.Count, silos.Count, string.Join(", ", misplaced.Take(5)));
        PlansMetrics.PlacementMoves.Add(misplaced.Count);
        // Counties first, then cities, then provinces, each level done before the next: a roll-up activating on its
        // owner asks all its children for their contributions at once, and a child still being handed over would be
        // activated here again by that call.
        foreach (var level in misplaced.GroupBy(g => _local.TryGetValue(g, out var held) ? held.Level : 0).OrderBy(l => l.Key))
        {
            await Parallel.ForEachAsync(level, new ParallelOptions { MaxDegreeOfParallelism = maxConcurrentMoves, CancellationToken = cancellationToken },
                async (grain, ct) =>
                {
                    try
                    {
                        await MoveAsync(grain, ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The next pass asks again.
                        LogMoveFailed(logger, e, grain);
                    }
                });
        }
        return misplaced.Count;
    }

    /// <summary>
    /// Deactivates the grain here and calls it at once: the call waits in the deactivating activation
    /// (<see cref="PartitionMoves.HandOverPause"/>) and is then placed afresh, which activates the grain on its owner.
    /// If it came back here all the same (the activation had gone before the call arrived, and Orleans activates a grain
    /// where a call arrives), the move is tried again after a short pause, twice at most.
    /// </summary>
    private async Task MoveAsync(GrainId grain, CancellationToken cancellationToken)
    {
        var partitioned = grains.GetGrain<IPartitionedGrain>(grain);
        for (var attempt = 1; ; attempt++)
        {
            await partitioned.MoveToOwnerAsync();
            _handedOver.AddOrUpdate(grain, static (_, at) => (at, 0), static (_, previous, at) => (at, previous.Returns), TimeProvider.System.GetTimestamp());
            await partitioned.WakeAsync();
            // The old activation left the registry before the wake-up could run anywhere; present again = woken here
            // (unless the membership changed meanwhile and this silo owns the grain's partition again).
            if (!_local.TryGetValue(grain, out var held) || attempt == MoveAttempts
                || partitions.For(ActiveSilos()).OwnerOf(held.Partition) is not { } owner || owner.Equals(localSilo.SiloAddress))
            {
                return;
            }
            await Task.Delay(PartitionMoves.HandOverPause * attempt, cancellationToken);
        }
    }

    private const int MoveAttempts = 3;

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

    [LoggerMessage(Level = LogLevel.Information, Message = "{Grain} activated here again {Seconds:0.0} s after it was handed over (return {Returns} within 5 min)")]
    private static partial void LogReturned(ILogger logger, GrainId grain, double seconds, int returns);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asking {Grain} to move to its partition's owner failed")]
    private static partial void LogMoveFailed(ILogger logger, Exception exception, GrainId grain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A partition rebalancing pass failed; the next one retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
