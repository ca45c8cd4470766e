using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>How far an indicator has come toward its target (the Statistics Canada / Open SDG categories).</summary>
public enum ProgressRating
{
    /// <summary>The current figure already meets the target.</summary>
    Achieved,
    /// <summary>Substantial progress: R ≥ 0.95, or d·CAGR ≥ 1.5% a year without a numeric target.</summary>
    OnTrack,
    /// <summary>Progress, but acceleration needed: 0.60 ≤ R &lt; 0.95, or 0.5% ≤ d·CAGR &lt; 1.5%.</summary>
    ModerateProgress,
    /// <summary>0 ≤ R &lt; 0.60, or 0 ≤ d·CAGR &lt; 0.5%.</summary>
    LimitedProgress,
    /// <summary>Moving away from the target: R &lt; 0, or d·CAGR &lt; 0.</summary>
    Deteriorating,
    /// <summary>Fewer than two years with data (and the current figure does not meet the target), or the target value cannot be computed.</summary>
    InsufficientData,
    /// <summary>
    /// Not judged from figures: qualitative targets and targets against another indicator (evaluated from the departments'
    /// measure reports instead), or an indicator with neither a target nor a desired direction.
    /// </summary>
    NotRated,
}

/// <summary>Which comparison produced a rating.</summary>
public enum RatingMethod
{
    /// <summary>No comparison was possible (insufficient data, not rated).</summary>
    None,
    /// <summary>The current figure meets the target (or sits at zero for a "decrease" goal).</summary>
    TargetMet,
    /// <summary>R = d·CAGR_observed / |CAGR_required|.</summary>
    TargetGrowth,
    /// <summary>R = d·slope_observed / |slope_required|, used where a growth rate is undefined (a zero figure or target).</summary>
    TargetLinear,
    /// <summary>Score = d·CAGR against 1.5% / 0.5% / 0.</summary>
    DirectionalGrowth,
    /// <summary>Score = d·(annual change) / max(|base|, |current|), used where a growth rate is undefined.</summary>
    DirectionalLinear,
    /// <summary>"Maintain": not worse than the base figure by more than 5%.</summary>
    Maintain,
}

/// <summary>A rating with the numbers it was computed from.</summary>
/// <param name="Score">R for numeric targets, the directional score otherwise, the relative change for "maintain"; null where no ratio applies.</param>
/// <param name="Pooled">True when base and current are pooled 3-year figures (small numbers, see <see cref="ProgressRater.RateCounts"/>).</param>
public sealed record ProgressResult(
    ProgressRating Rating,
    RatingMethod Method,
    int? BaseYear,
    decimal? BaseValue,
    int? CurrentYear,
    decimal? CurrentValue,
    decimal? TargetValue,
    int? TargetYear,
    double? ObservedCagr,
    double? RequiredCagr,
    double? ObservedSlope,
    double? RequiredSlope,
    double? Score,
    bool Pooled,
    string Reason);

/// <summary>
/// Rates progress toward a target with the Statistics Canada method used by Open SDG
/// (../shared/reference/monitoring-methods.md).
/// </summary>
/// <remarks>
/// <para><b>Base and current.</b> Only figures from the base year to the evaluation year count. The base year is the target's
/// own base year if it states one, else the baseline year (2020, configurable); if that year has no figure, the first later
/// year with one. The current figure is the latest one at or before the evaluation year. Later figures are ignored, so a
/// report for 2024 never uses 2025 data.</para>
/// <para><b>Order of the rules.</b> (1) Qualitative targets and targets against another indicator are <see cref="ProgressRating.NotRated"/>.
/// (2) A numeric target the current figure already meets (<see cref="TargetEvaluation.Compare"/>, so "=" and approximate (左右)
/// targets accept ±5%) is <see cref="ProgressRating.Achieved"/> — even with a single year of data, because meeting the target
/// needs no trend. (3) Otherwise two years with data are required.</para>
/// <para><b>Numeric targets.</b> CAGR_obs = (v1/v0)^(1/(t1−t0)) − 1; CAGR_req = (T/v0)^(1/(tT−t0)) − 1; R = d·CAGR_obs/|CAGR_req|;
/// R ≥ 0.95 on track, ≥ 0.60 moderate, ≥ 0 limited, &lt; 0 deteriorating. d comes from the comparator (≥/&gt; → +1, ≤/&lt; → −1,
/// "=" → the side the target lies on), since the target itself says which way is wanted. Targets "以2020年为基数下降20%" are
/// T = v(base year) × (1 + change%) and need a figure in exactly that base year. After the target year the same
/// formula applies (the required rate still runs from the base to the target year).</para>
/// <para><b>Zero and negative figures.</b> The exponential model cannot pass through zero (Open SDG substitutes 0.001, which
/// makes the rating depend on an arbitrary constant). Here: if v0, v1 or T is ≤ 0, the linear variant is used:
/// required slope = (T − v0)/(tT − t0), observed slope = (v1 − v0)/(t1 − t0), R = d·slope_obs/|slope_req|, same thresholds.
/// If T equals the base value, R is undefined: the rating is Deteriorating when the figure moved the wrong way, else Limited.
/// For rates built from small counts (a county's maternal deaths are often 0 or 1) use <see cref="RateCounts"/>, which pools
/// three years of numerators and denominators before rating (see <see cref="PooledSeries"/>).</para>
/// <para><b>Directional goals</b> ("逐步提高" increase, "降低" decrease, or no target at all, using the indicator's direction):
/// score = d·CAGR; ≥ 1.5% on track, ≥ 0.5% moderate, ≥ 0 limited, &lt; 0 deteriorating. Where CAGR is undefined:
/// a "decrease" goal whose current figure is 0 is Achieved (it cannot go lower); otherwise score =
/// d·(v1 − v0)/(t1 − t0)/max(|v0|, |v1|) (0 when both are 0), the linear annual change relative to the larger figure.</para>
/// <para><b>"Maintain"</b> is Achieved when the current figure is not worse than the base by more than 5% of the base
/// (higher is better: v1 ≥ 0.95·v0; lower: v1 ≤ 1.05·v0; no direction: within ±5%), else Deteriorating.</para>
/// <para>Thresholds are compared with a tolerance of 1e-9 so floating-point noise cannot move a rating across a boundary.</para>
/// </remarks>
public static class ProgressRater
{
    public const int DefaultBaselineYear = 2020;
    public const double OnTrackRatio = 0.95;
    public const double ModerateRatio = 0.60;
    public const double OnTrackGrowth = 0.015;
    public const double ModerateGrowth = 0.005;
    public const decimal MaintainTolerance = 0.05m;

    /// <summary>Rates against the target that governs <paramref name="evaluationYear"/>: the one with the earliest target year ≥ it, else the last.</summary>
    public static ProgressResult Rate(
        IndicatorDefinition indicator,
        IReadOnlyDictionary<int, decimal?> series,
        IReadOnlyList<TargetView> targets,
        int evaluationYear,
        int baselineYear = DefaultBaselineYear) =>
        Rate(indicator, series, TargetEvaluation.ApplicableTarget(targets, evaluationYear), evaluationYear, baselineYear);

    /// <summary>Rates against one target; null means no target (the directional variant with the indicator's direction).</summary>
    public static ProgressResult Rate(
        IndicatorDefinition indicator,
        IReadOnlyDictionary<int, decimal?> series,
        TargetView? target,
        int evaluationYear,
        int baselineYear = DefaultBaselineYear)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        ArgumentNullException.ThrowIfNull(series);
        if (!indicator.IsNumeric)
        {
            return NotRated("qualitative indicator: rated from the departments' measure reports");
        }
        var fromYear = target?.BaseYear ?? baselineYear;
        var points = Trend.Points(series, fromYear, evaluationYear);
        if (target is null)
        {
            return indicator.Direction switch
            {
                Direction.Higher => Directional(points, 1, "no target; higher is better"),
                Direction.Lower => Directional(points, -1, "no target; lower is better"),
                _ => NotRated("no target and no desired direction"),
            };
        }
        return target.Comparator switch
        {
            "increase" => Directional(points, 1, "goal: increase"),
            "decrease" => Directional(points, -1, "goal: decrease"),
            "maintain" => Maintain(points, indicator.Direction),
            var c when Trend.IsNumericComparator(c) => Numeric(points, target, series),
            _ => NotRated($"'{target.Comparator}' target: not judged from figures"),
        };
    }

    /// <summary>
    /// Rates a rate or percentage from its yearly numerators and denominators. When the numerator of the base or the current
    /// year is below <see cref="PooledSeries.SmallNumerator"/> (20 events: fewer make a rate statistically unreliable),
    /// both are replaced by trailing 3-year pooled figures (Σ numerators / Σ denominators) before rating, so one lucky
    /// zero year neither "achieves" a target nor makes the growth rate undefined. If a pooled base or current figure is
    /// still 0, the linear variant applies as in <see cref="Rate(IndicatorDefinition, IReadOnlyDictionary{int, decimal?}, TargetView?, int, int)"/>.
    /// </summary>
    public static ProgressResult RateCounts(
        IndicatorDefinition indicator,
        IReadOnlyDictionary<int, YearCounts> counts,
        IReadOnlyList<TargetView> targets,
        int evaluationYear,
        int baselineYear = DefaultBaselineYear)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        ArgumentNullException.ThrowIfNull(counts);
        var yearly = PooledSeries.Values(indicator, counts);
        var target = TargetEvaluation.ApplicableTarget(targets, evaluationYear);
        var points = Trend.Points(yearly, target?.BaseYear ?? baselineYear, evaluationYear);
        var small = points.Count > 0
            && (counts[points[0].Year].Numerator < PooledSeries.SmallNumerator || counts[points[^1].Year].Numerator < PooledSeries.SmallNumerator);
        if (!small)
        {
            return Rate(indicator, yearly, target, evaluationYear, baselineYear);
        }
        var pooled = Rate(indicator, PooledSeries.Pool(indicator, counts), target, evaluationYear, baselineYear);
        return pooled with { Pooled = true, Reason = $"pooled {PooledSeries.DefaultWindow}-year figures (fewer than {PooledSeries.SmallNumerator} events a year); " + pooled.Reason };
    }

    private static ProgressResult Numeric(IReadOnlyList<YearValue> points, TargetView target, IReadOnlyDictionary<int, decimal?> series)
    {
        var targetValue = Trend.TargetValue(target, series, out var missingBase);
        if (targetValue is not { } t)
        {
            return missingBase
                ? Insufficient($"no figure in base year {target.BaseYear} to compute the target", null, points)
                : NotRated("numeric comparator without a value");
        }
        if (points.Count == 0)
        {
            return Insufficient("no figure in the evaluation period", t, points) with { TargetYear = target.Year };
        }
        var current = points[^1];
        YearValue? basePoint = points.Count >= 2 ? points[0] : null;
        var result = Observed(basePoint, current, t, target.Year);
        if (TargetEvaluation.Compare(current.Value, target.Comparator, t, target.Approximate))
        {
            return result with
            {
                Rating = ProgressRating.Achieved,
                Method = RatingMethod.TargetMet,
                Reason = $"{current.Year}: {Trend.Number(current.Value)} meets {target.Comparator} {Trend.Number(t)}{(target.Approximate ? " (±5%)" : "")}",
            };
        }
        if (basePoint is not { } b)
        {
            return result with { Rating = ProgressRating.InsufficientData, Reason = $"only {current.Year} has a figure and it does not meet the target" };
        }
        if (target.Year <= b.Year)
        {
            return result with { Rating = ProgressRating.InsufficientData, Reason = $"target year {target.Year} is not after base year {b.Year}" };
        }
        var d = Trend.DesiredDirection(target.Comparator, b.Value, t);
        if (d == 0)
        {
            return result with { Rating = ProgressRating.Deteriorating, Reason = $"the base figure was on the target ({Trend.Number(t)}) and {current.Year} has left the ±5% band" };
        }
        var goal = $"target {target.Comparator} {Trend.Number(t)} by {target.Year}";
        if (result.ObservedCagr is { } obs && result.RequiredCagr is { } req)
        {
            return Ratio(result with { Method = RatingMethod.TargetGrowth }, d * obs, req, $"observed {Trend.Percent(obs)}/yr vs required {Trend.Percent(req)}/yr ({b.Year}→{current.Year}, {goal})");
        }
        var slopeObs = result.ObservedSlope!.Value;
        var slopeReq = result.RequiredSlope!.Value;
        return Ratio(result with { Method = RatingMethod.TargetLinear }, d * slopeObs, slopeReq,
            $"a zero figure or target makes growth rates undefined; linear: observed {Trend.Number(slopeObs)}/yr vs required {Trend.Number(slopeReq)}/yr ({b.Year}→{current.Year}, {goal})");
    }

    private static ProgressResult Ratio(ProgressResult result, double directedObserved, double required, string detail)
    {
        if (required == 0)
        {
            var rating = directedObserved < -Trend.Epsilon ? ProgressRating.Deteriorating : ProgressRating.LimitedProgress;
            return result with { Rating = rating, Reason = "the target equals the base figure (required change 0, R undefined); " + detail };
        }
        var r = directedObserved / Math.Abs(required);
        return result with { Rating = Classify(r, OnTrackRatio, ModerateRatio), Score = r, Reason = $"R = {Trend.Number(Math.Round(r, 4))}: " + detail };
    }

    private static ProgressResult Directional(IReadOnlyList<YearValue> points, int d, string goal)
    {
        if (points.Count < 2)
        {
            return Insufficient($"{goal}; needs two years with data", null, points);
        }
        var b = points[0];
        var current = points[^1];
        var result = Observed(b, current, null, null);
        if (result.ObservedCagr is { } cagr)
        {
            var score = d * cagr;
            return result with
            {
                Rating = Classify(score, OnTrackGrowth, ModerateGrowth),
                Method = RatingMethod.DirectionalGrowth,
                Score = score,
                Reason = $"{goal}; d·CAGR = {Trend.Percent(score)}/yr ({b.Year}→{current.Year})",
            };
        }
        if (d < 0 && current.Value == 0m)
        {
            return result with { Rating = ProgressRating.Achieved, Method = RatingMethod.TargetMet, Reason = $"{goal}; {current.Year} is 0 and cannot go lower" };
        }
        var scale = Math.Max(Math.Abs(b.Value), Math.Abs(current.Value));
        var linear = scale == 0m ? 0.0 : d * result.ObservedSlope!.Value / (double)scale;
        return result with
        {
            Rating = Classify(linear, OnTrackGrowth, ModerateGrowth),
            Method = RatingMethod.DirectionalLinear,
            Score = linear,
            Reason = $"{goal}; a zero figure makes CAGR undefined; linear change relative to the larger figure = {Trend.Percent(linear)}/yr ({b.Year}→{current.Year})",
        };
    }

    private static ProgressResult Maintain(IReadOnlyList<YearValue> points, Direction direction)
    {
        if (points.Count < 2)
        {
            return Insufficient("goal: maintain; needs two years with data", null, points);
        }
        var b = points[0];
        var current = points[^1];
        var slack = Math.Abs(b.Value) * MaintainTolerance;
        var kept = direction switch
        {
            Direction.Higher => current.Value >= b.Value - slack,
            Direction.Lower => current.Value <= b.Value + slack,
            _ => Math.Abs(current.Value - b.Value) <= slack,
        };
        var result = Observed(b, current, null, null);
        return result with
        {
            Rating = kept ? ProgressRating.Achieved : ProgressRating.Deteriorating,
            Method = RatingMethod.Maintain,
            Score = b.Value == 0m ? null : (double)((current.Value - b.Value) / Math.Abs(b.Value)),
            Reason = $"goal: maintain; {current.Year} {Trend.Number(current.Value)} vs {b.Year} {Trend.Number(b.Value)} " + (kept ? "is within 5%" : "is worse by more than 5%"),
        };
    }

    /// <summary>The numbers every rating reports; Rating and Reason are filled in by the caller.</summary>
    private static ProgressResult Observed(YearValue? basePoint, YearValue current, decimal? targetValue, int? targetYear)
    {
        double? obsCagr = null, reqCagr = null, obsSlope = null, reqSlope = null;
        if (basePoint is { } b)
        {
            var years = current.Year - b.Year;
            obsCagr = Trend.Cagr(b.Value, current.Value, years);
            obsSlope = Trend.Slope(b.Value, current.Value, years);
            if (targetValue is { } t && targetYear is { } ty && ty > b.Year)
            {
                // Undefined (null) for a zero target or base; the rating then uses the slopes.
                reqCagr = Trend.Cagr(b.Value, t, ty - b.Year);
                reqSlope = Trend.Slope(b.Value, t, ty - b.Year);
            }
        }
        return new ProgressResult(ProgressRating.InsufficientData, RatingMethod.None, basePoint?.Year, basePoint?.Value, current.Year, current.Value,
            targetValue, targetYear, obsCagr, reqCagr, obsSlope, reqSlope, null, false, "");
    }

    private static ProgressRating Classify(double score, double onTrack, double moderate) =>
        score >= onTrack - Trend.Epsilon ? ProgressRating.OnTrack
        : score >= moderate - Trend.Epsilon ? ProgressRating.ModerateProgress
        : score >= -Trend.Epsilon ? ProgressRating.LimitedProgress
        : ProgressRating.Deteriorating;

    private static ProgressResult Insufficient(string reason, decimal? targetValue, IReadOnlyList<YearValue> points)
    {
        YearValue? current = points.Count > 0 ? points[^1] : null;
        return new ProgressResult(ProgressRating.InsufficientData, RatingMethod.None, null, null, current?.Year, current?.Value,
            targetValue, null, null, null, null, null, null, false, reason);
    }

    private static ProgressResult NotRated(string reason) =>
        new(ProgressRating.NotRated, RatingMethod.None, null, null, null, null, null, null, null, null, null, null, null, false, reason);
}
