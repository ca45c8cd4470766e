using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansPlans;

/// <summary>The project's own metrics (meter "OrleansPlans"), exported with Orleans' and ASP.NET Core's at /metrics.</summary>
public static class PlansMetrics
{
    public const string MeterName = "OrleansPlans";

    private static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>County pushes by result: accepted, rejected (validation), dry-run, failed (storage or cluster).</summary>
    public static readonly Counter<long> Pushes = Meter.CreateCounter<long>("orleansplans.pushes", "{push}", "County batches received");

    /// <summary>Rows of accepted pushes by outcome: imported, updated, unchanged.</summary>
    public static readonly Counter<long> Values = Meter.CreateCounter<long>("orleansplans.values", "{value}", "Data values in accepted batches");

    /// <summary>Time from a batch being recorded durably to its city and province reflecting it.</summary>
    public static readonly Histogram<double> RollupLag = Meter.CreateHistogram<double>("orleansplans.rollup.lag", "ms", "County write to province roll-up");

    /// <summary>Children re-read by periodic reconciliation (non-zero means a message was lost or a silo failed).</summary>
    public static readonly Counter<long> Reconciled = Meter.CreateCounter<long>("orleansplans.rollup.reconciled", "{child}", "Children re-read by reconciliation");

    /// <summary>Grain storage statements (round trips, one commit each for writes) by op (write, read) and result (ok, failed).</summary>
    public static readonly Counter<long> StorageFlushes = Meter.CreateCounter<long>("orleansplans.storage.flushes", "{statement}", "Grain storage statements");

    /// <summary>Grain states written or read, by op; states / flushes is the group-commit batch size.</summary>
    public static readonly Counter<long> StorageStates = Meter.CreateCounter<long>("orleansplans.storage.states", "{state}", "Grain states written or read");

    /// <summary>Counties and roll-ups this silo handed to the silo that owns their city's partition (after a membership change).</summary>
    public static readonly Counter<long> PlacementMoves = Meter.CreateCounter<long>("orleansplans.placement.moves", "{grain}", "Grains handed to their partition's owner");

    /// <summary>
    /// Grains this silo handed over that activated here again within minutes (a call that still had this silo's address
    /// for them): each is moved once more after the settle delay.
    /// </summary>
    public static readonly Counter<long> PlacementReturns = Meter.CreateCounter<long>("orleansplans.placement.returns", "{grain}", "Handed-over grains that activated here again");

    /// <summary>
    /// Counties and roll-ups this silo holds (state="held"), and of those the ones whose partition another silo owns
    /// (state="misplaced": non-zero for a few seconds after a silo joins or leaves, until the silo hands them over).
    /// </summary>
    private static readonly ObservableGauge<int> PlacementGrains = Meter.CreateObservableGauge("orleansplans.placement.grains", ObservePlacement, "{grain}", "Partitioned grains held by this silo");

    private static readonly ConcurrentDictionary<object, Func<(int Held, int Misplaced)>> PlacementSources = new();

    /// <summary>Registers a silo's count of its partitioned grains (one per silo; several in an in-process test cluster).</summary>
    public static void AddPlacementSource(object silo, Func<(int Held, int Misplaced)> count) => PlacementSources[silo] = count;

    public static void RemovePlacementSource(object silo) => PlacementSources.TryRemove(silo, out _);

    private static IEnumerable<Measurement<int>> ObservePlacement()
    {
        var (held, misplaced) = (0, 0);
        foreach (var source in PlacementSources.Values)
        {
            var (h, m) = source();
            (held, misplaced) = (held + h, misplaced + m);
        }
        return [new(held, new KeyValuePair<string, object?>("state", "held")), new(misplaced, new KeyValuePair<string, object?>("state", "misplaced"))];
    }
}
