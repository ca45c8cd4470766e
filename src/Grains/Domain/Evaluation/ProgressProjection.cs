using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>The UN Statistics Division progress-chart classes.</summary>
public enum ProjectionClass
{
    /// <summary>Ratio ≥ 0.95 (or the projected figure meets a target the base already met).</summary>
    OnTrack,
    /// <summary>0.10 ≤ ratio &lt; 0.95: progress, but acceleration needed.</summary>
    AccelerationNeeded,
    /// <summary>Ratio &lt; 0.10 (or a target the base met is projected to be lost).</summary>
    StagnationOrRegression,
    /// <summary>Fewer than two years with data, or the target value cannot be computed.</summary>
    InsufficientData,
    /// <summary>No numeric target (directional, qualitative or none): nothing to project to.</summary>
    NotApplicable,
}

/// <param name="ProjectedValue">The extrapolated figure in the target year.</param>
/// <param name="Ratio">(projected − base) / (target − base); null where it is meaningless (see <see cref="ProgressProjection"/>).</param>
/// <param name="ProjectedToMiss">True when the projected figure does not meet the target (<see cref="TargetEvaluation.Compare"/> semantics).</param>
public sealed record ProjectionResult(
    ProjectionClass Class,
    bool ProjectedToMiss,
    int? BaseYear,
    decimal? BaseValue,
    int? CurrentYear,
    decimal? CurrentValue,
    decimal? TargetValue,
    int? TargetYear,
    double? ObservedCagr,
    double? ProjectedValue,
    double? Ratio,
    string Reason);

/// <summary>
/// Projects the target-year figure by extrapolating the observed trend and classifies it (UN Statistics Division
/// progress chart).
/// </summary>
/// <remarks>
/// <para>Base and current are chosen exactly as in <see cref="ProgressRater"/> (target base year or baseline year, else the
/// first later year with data; current = latest figure at or before the evaluation year).</para>
/// <para>projected = v_current · (1 + CAGR)^(targetYear − currentYear). Where CAGR is undefined (a zero or negative base or
/// current figure) the trend is extrapolated linearly: v_current + slope · (targetYear − currentYear), and because every
/// indicator here (rates, percentages, counts, means) is non-negative, a linear projection stops at 0. When the current year
/// is at or past the target year, the current figure is the projection (nothing left to extrapolate).</para>
/// <para>ratio = (projected − base)/(target − base): ≥ 0.95 on track, ≥ 0.10 acceleration needed, otherwise stagnation or
/// regression. The ratio only measures progress when the base has not met the target yet. When the target equals the base
/// (division by zero) or the base already meets the target, the ratio is null and the class is OnTrack if the
/// projected figure still meets the target, else StagnationOrRegression (the target is projected to be lost).</para>
/// <para>ProjectedToMiss is independent of the class: a ratio of 0.96 is "on track" by the chart's tolerance yet may miss a
/// strict bound, and the early warning wants the strict answer.</para>
/// </remarks>
public static class ProgressProjection
{
    public const double OnTrackRatio = 0.95;
    public const double ProgressRatio = 0.10;

    /// <summary>Projects toward the target that governs <paramref name="evaluationYear"/> (earliest target year ≥ it, else the last).</summary>
    public static ProjectionResult Project(
        IReadOnlyDictionary<int, decimal?> series,
        IReadOnlyList<TargetView> targets,
        int evaluationYear,
        int baselineYear = ProgressRater.DefaultBaselineYear) =>
        Project(series, TargetEvaluation.ApplicableTarget(targets, evaluationYear), evaluationYear, baselineYear);

    public static ProjectionResult Project(
        IReadOnlyDictionary<int, decimal?> series,
        TargetView? target,
        int evaluationYear,
        int baselineYear = ProgressRater.DefaultBaselineYear)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (target is null || !Trend.IsNumericComparator(target.Comparator))
        {
            return Empty(ProjectionClass.NotApplicable, target is null ? "no target" : $"'{target.Comparator}' target has no value to project to");
        }
        var targetValue = Trend.TargetValue(target, series, out var missingBase);
        if (targetValue is not { } t)
        {
            return missingBase
                ? Empty(ProjectionClass.InsufficientData, $"no figure in base year {target.BaseYear} to compute the target")
                : Empty(ProjectionClass.NotApplicable, "numeric comparator without a value");
        }
        var points = Trend.Points(series, target.BaseYear ?? baselineYear, evaluationYear);
        if (points.Count < 2)
        {
            return Empty(ProjectionClass.InsufficientData, "needs two years with data") with { TargetValue = t, TargetYear = target.Year };
        }
        var b = points[0];
        var current = points[^1];
        var ahead = Math.Max(0, target.Year - current.Year);
        var cagr = Trend.Cagr(b.Value, current.Value, current.Year - b.Year);
        double projected;
        string how;
        if (cagr is { } c)
        {
            projected = (double)current.Value * Math.Pow(1.0 + c, ahead);
            how = $"CAGR {Trend.Percent(c)}/yr";
        }
        else
        {
            var slope = Trend.Slope(b.Value, current.Value, current.Year - b.Year);
            projected = Math.Max(0.0, (double)current.Value + slope * ahead);
            how = $"a zero figure makes CAGR undefined; linear {Trend.Number(slope)}/yr";
        }
        var meets = Trend.Meets(projected, target.Comparator, t, target.Approximate);
        var result = new ProjectionResult(ProjectionClass.InsufficientData, !meets, b.Year, b.Value, current.Year, current.Value, t, target.Year, cagr, projected, null, "");
        var summary = $"{target.Year} projected {Trend.Number(Math.Round(projected, 4))} ({how}, {b.Year}→{current.Year}) vs target {target.Comparator} {Trend.Number(t)}";
        var baseMeets = TargetEvaluation.Compare(b.Value, target.Comparator, t, target.Approximate);
        if (t == b.Value || baseMeets)
        {
            var why = t == b.Value ? "target equals the base figure" : "the base figure already met the target";
            return result with
            {
                Class = meets ? ProjectionClass.OnTrack : ProjectionClass.StagnationOrRegression,
                Reason = $"{summary}; {why}, so the ratio is undefined and the class follows whether the projection still meets it",
            };
        }
        var ratio = (projected - (double)b.Value) / (double)(t - b.Value);
        var cls = ratio >= OnTrackRatio - Trend.Epsilon ? ProjectionClass.OnTrack
            : ratio >= ProgressRatio - Trend.Epsilon ? ProjectionClass.AccelerationNeeded
            : ProjectionClass.StagnationOrRegression;
        return result with { Class = cls, Ratio = ratio, Reason = $"{summary}; ratio {Trend.Number(Math.Round(ratio, 4))}" };
    }

    private static ProjectionResult Empty(ProjectionClass cls, string reason) =>
        new(cls, false, null, null, null, null, null, null, null, null, null, reason);
}
