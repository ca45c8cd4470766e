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
}
