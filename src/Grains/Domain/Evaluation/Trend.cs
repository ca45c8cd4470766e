using System.Globalization;
using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>One year's figure of a series.</summary>
internal readonly record struct YearValue(int Year, decimal Value);

/// <summary>
/// The growth arithmetic shared by the rating and the projection. Figures stay <c>decimal</c> (as stored);
/// every derived statistic (growth rate, slope, ratio, projection) is a <c>double</c>, because fractional
/// powers have no exact decimal form anyway.
/// </summary>
internal static class Trend
{
    /// <summary>
    /// Absorbs floating-point noise when a statistic is compared with a threshold, so a ratio that is 0.95 on
    /// paper is not rated one class lower because the double came out as 0.94999999999.
    /// </summary>
    public const double Epsilon = 1e-9;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The years with a figure in [from, to], in order.</summary>
    public static IReadOnlyList<YearValue> Points(IReadOnlyDictionary<int, decimal?> series, int from, int to) =>
        [.. series.Where(p => p.Value is not null && p.Key >= from && p.Key <= to).OrderBy(p => p.Key).Select(p => new YearValue(p.Key, p.Value!.Value))];

    /// <summary>
    /// Compound annual growth rate (v1 / v0)^(1 / years) − 1; null when it is undefined: a zero or negative
    /// figure (the exponential model cannot pass through zero) or no elapsed time.
    /// </summary>
    public static double? Cagr(decimal v0, decimal v1, int years) =>
        v0 > 0m && v1 > 0m && years > 0 ? Math.Pow((double)(v1 / v0), 1.0 / years) - 1.0 : null;

    /// <summary>Average change per year along a straight line.</summary>
    public static double Slope(decimal v0, decimal v1, int years) => (double)(v1 - v0) / years;

    /// <summary>
    /// The target's value in the indicator's unit: the stated value, or for "以2020年为基数下降20%" the base-year
    /// figure × (1 + change%). Null when neither can be had (<paramref name="missingBase"/> tells which).
    /// </summary>
    public static decimal? TargetValue(TargetView target, IReadOnlyDictionary<int, decimal?> series, out bool missingBase)
    {
        missingBase = false;
        if (target.Value is { } v)
        {
            return v;
        }
        if (target.BaseYear is { } by && target.ChangePercent is { } change)
        {
            if (series.TryGetValue(by, out var b) && b is { } baseValue)
            {
                return baseValue * (1m + change / 100m);
            }
            missingBase = true;
        }
        return null;
    }

    public static bool IsNumericComparator(string comparator) => comparator is "<" or "<=" or ">" or ">=" or "=";

    /// <summary>
    /// Which way the target asks the figure to move: the comparator says so for bounds; for "=" it is the side
    /// the target lies on from the base (0 when the base already sits on it).
    /// </summary>
    public static int DesiredDirection(string comparator, decimal baseValue, decimal targetValue) => comparator switch
    {
        ">" or ">=" => 1,
        "<" or "<=" => -1,
        _ => Math.Sign(targetValue - baseValue),
    };

    /// <summary>
    /// <see cref="TargetEvaluation.Compare"/> for a computed (double) value. The value is rounded to 6 decimals first so
    /// that a projection landing exactly on the target on paper is not a miss because of floating-point noise.
    /// </summary>
    public static bool Meets(double value, string comparator, decimal bound, bool approximate)
    {
        var rounded = Math.Round(value, 6);
        if (Math.Abs(rounded) < 7.9e27)
        {
            return TargetEvaluation.Compare((decimal)rounded, comparator, bound, approximate);
        }
        // Beyond decimal's range (a runaway extrapolation): only the sign matters.
        return comparator switch
        {
            ">" or ">=" => rounded > 0,
            "<" or "<=" => rounded < 0,
            _ => false,
        };
    }

    public static string Percent(double rate) => (rate * 100.0).ToString("0.##", Inv) + "%";

    public static string Number(double value) => value.ToString("0.####", Inv);

    public static string Number(decimal value) => value.ToString("0.####", Inv);
}
