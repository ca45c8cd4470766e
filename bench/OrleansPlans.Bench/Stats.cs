using System.Diagnostics;

namespace OrleansPlans.Bench;

/// <summary>Latency summary in milliseconds (nearest-rank percentiles over every sample).</summary>
public sealed record LatencySummary(long Count, double P50, double P95, double P99, double Max, double Mean)
{
    public static readonly LatencySummary Empty = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    public static LatencySummary Of(IEnumerable<double> samples)
    {
        var sorted = samples.ToArray();
        if (sorted.Length == 0)
        {
            return Empty;
        }
        Array.Sort(sorted);
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(sorted.Length, At(0.50), At(0.95), At(0.99), sorted[^1], sorted.Average());
    }

    public override string ToString() =>
        Count == 0 ? "no samples" : $"p50 {Ms(P50)}  p95 {Ms(P95)}  p99 {Ms(P99)}  max {Ms(Max)}  (n={Count})";

    public static string Ms(double ms) => double.IsNaN(ms) ? "—" : ms >= 100 ? $"{ms:F0} ms" : ms >= 10 ? $"{ms:F1} ms" : $"{ms:F2} ms";
}

/// <summary>Samples recorded by one worker (no locking on the hot path); merged at the end.</summary>
public sealed class Recorder
{
    private readonly List<double> _samples = [];

    public void Add(long startTimestamp) => _samples.Add(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    public void AddMs(double ms) => _samples.Add(ms);

    public IReadOnlyList<double> Samples => _samples;

    public static LatencySummary Merge(IEnumerable<Recorder> recorders) => LatencySummary.Of(recorders.SelectMany(r => r.Samples));
}
