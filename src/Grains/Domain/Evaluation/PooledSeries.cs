namespace OrleansPlans.Domain.Evaluation;

/// <summary>One year's additive parts of a rate or percentage (e.g. maternal deaths and live births).</summary>
public sealed record YearCounts(decimal Numerator, decimal Denominator);

/// <summary>
/// Series built from yearly numerators and denominators, optionally pooled over a trailing window.
/// </summary>
/// <remarks>
/// Why pool: a county with 4,000 births a year records 0, 1 or 2 maternal deaths, i.e. 0, 25 or 50 per 100,000 —
/// year-to-year swings that are pure chance. Summing three years of deaths and births (as DHIS2 sums numerators and
/// denominators when aggregating, never averaging rates) gives a figure that moves with the underlying risk.
/// Rule: the pooled figure for year Y exists when Y itself has counts; it is Σ numerators / Σ denominators × factor over
/// the years of [Y − window + 1, Y] that have counts (a gap shortens the window rather than voiding the figure, so the
/// first pooled years simply pool fewer years). Years before the baseline may feed the first windows.
/// </remarks>
public static class PooledSeries
{
    public const int DefaultWindow = 3;

    /// <summary>Fewer events than this in a year make its rate statistically unreliable (the NCHS convention).</summary>
    public const decimal SmallNumerator = 20m;

    /// <summary>The yearly figures, unpooled (null where the denominator is 0).</summary>
    public static IReadOnlyDictionary<int, decimal?> Values(IndicatorDefinition indicator, IReadOnlyDictionary<int, YearCounts> counts) =>
        Pool(indicator, counts, 1);

    /// <summary>Trailing <paramref name="window"/>-year pooled figures.</summary>
    public static IReadOnlyDictionary<int, decimal?> Pool(IndicatorDefinition indicator, IReadOnlyDictionary<int, YearCounts> counts, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        if (indicator.Kind is not (IndicatorKind.Rate or IndicatorKind.Percentage))
        {
            throw new ArgumentException($"pooling applies to rates and percentages, not {indicator.Kind} ({indicator.Code})", nameof(indicator));
        }
        var result = new SortedDictionary<int, decimal?>();
        foreach (var year in counts.Keys)
        {
            decimal numerator = 0m, denominator = 0m;
            for (var y = year - window + 1; y <= year; y++)
            {
                if (counts.TryGetValue(y, out var c))
                {
                    numerator += c.Numerator;
                    denominator += c.Denominator;
                }
            }
            result[year] = Aggregation.ValueOf(indicator, numerator, denominator);
        }
        return result;
    }
}
