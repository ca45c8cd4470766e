using OrleansPlans.Contracts;

namespace OrleansPlans.Domain;

/// <summary>Whether a year's figure meets the target that applies to that year.</summary>
/// <remarks>
/// Rules (docs/architecture.md, "Target status"):
/// - The target for year Y is the one with the earliest target year ≥ Y (a 2025 target governs 2021–2025,
///   a 2030 target 2026–2030); after the last target year, the last target.
/// - Numeric comparators compare the value in the indicator's unit. "=" and approximate targets (左右)
///   accept ±5% of the target value, since a statistic never equals a number exactly.
/// - "以2020年为基数下降20%" compares with base value × (1 + change%).
/// - increase / decrease / maintain compare with the baseline: the target's base year, else the configured
///   baseline year (2020), else the earliest earlier year with a value; no baseline → no data.
/// - Qualitative targets and targets against another indicator are not judged from the series (no target).
/// </remarks>
public static class TargetEvaluation
{
    public const decimal ApproximateTolerance = 0.05m;

    public static TargetView? ApplicableTarget(IReadOnlyList<TargetView> targets, int year)
    {
        // The earliest target from this year on, else the latest one (the first in plan order among equal years).
        // A loop, not LINQ: evaluated for every cell a push touches.
        TargetView? upcoming = null;
        TargetView? latest = null;
        for (var i = 0; i < targets.Count; i++)
        {
            var t = targets[i];
            if (t.Year >= year && (upcoming is null || t.Year < upcoming.Year))
            {
                upcoming = t;
            }
            if (latest is null || t.Year > latest.Year)
            {
                latest = t;
            }
        }
        return upcoming ?? latest;
    }

    public static TargetStatus Evaluate(
        IndicatorDefinition indicator,
        IReadOnlyList<TargetView> targets,
        IReadOnlyDictionary<int, decimal?> series,
        int year,
        int baselineYear)
    {
        if (!series.TryGetValue(year, out var current) || current is null)
        {
            return TargetStatus.NoData;
        }
        var target = ApplicableTarget(targets, year);
        if (target is null)
        {
            return TargetStatus.NoTarget;
        }
        return Evaluate(indicator, target, series, year, current.Value, baselineYear);
    }

    public static TargetStatus Evaluate(
        IndicatorDefinition indicator,
        TargetView target,
        IReadOnlyDictionary<int, decimal?> series,
        int year,
        decimal current,
        int baselineYear)
    {
        switch (target.Comparator)
        {
            case "increase":
            case "decrease":
            case "maintain":
                {
                    var baseline = Baseline(series, target.BaseYear ?? baselineYear, year);
                    if (baseline is null)
                    {
                        return TargetStatus.NoData;
                    }
                    var met = target.Comparator switch
                    {
                        "increase" => current > baseline.Value,
                        "decrease" => current < baseline.Value,
                        _ => indicator.Direction switch
                        {
                            Direction.Higher => current >= baseline.Value,
                            Direction.Lower => current <= baseline.Value,
                            _ => Within(current, baseline.Value),
                        },
                    };
                    return met ? TargetStatus.Met : TargetStatus.NotMet;
                }
            case "<" or "<=" or ">" or ">=" or "=":
                {
                    decimal bound;
                    if (target.Value is { } v)
                    {
                        bound = v;
                    }
                    else if (target.BaseYear is { } by && target.ChangePercent is { } change)
                    {
                        if (!series.TryGetValue(by, out var baseValue) || baseValue is null)
                        {
                            return TargetStatus.NoData;
                        }
                        bound = baseValue.Value * (1m + change / 100m);
                    }
                    else
                    {
                        return TargetStatus.NoTarget;
                    }
                    return Compare(current, target.Comparator, bound, target.Approximate) ? TargetStatus.Met : TargetStatus.NotMet;
                }
            default:
                return TargetStatus.NoTarget;
        }
    }

    public static bool Compare(decimal value, string comparator, decimal bound, bool approximate)
    {
        var slack = approximate ? Math.Abs(bound) * ApproximateTolerance : 0m;
        return comparator switch
        {
            "<" => value < bound + slack,
            "<=" => value <= bound + slack,
            ">" => value > bound - slack,
            ">=" => value >= bound - slack,
            "=" => Within(value, bound),
            _ => false,
        };
    }

    private static bool Within(decimal value, decimal reference) =>
        Math.Abs(value - reference) <= Math.Abs(reference) * ApproximateTolerance;

    /// <summary>The comparison value for directional targets.</summary>
    public static decimal? Baseline(IReadOnlyDictionary<int, decimal?> series, int baselineYear, int year)
    {
        if (baselineYear < year && series.TryGetValue(baselineYear, out var b) && b is not null)
        {
            return b;
        }
        // Else the earliest figure before the year.
        int? earliest = null;
        decimal? value = null;
        foreach (var (y, v) in series)
        {
            if (y < year && v is not null && (earliest is null || y < earliest))
            {
                earliest = y;
                value = v;
            }
        }
        return value;
    }
}
