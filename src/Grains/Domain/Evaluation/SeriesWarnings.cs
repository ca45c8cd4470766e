using System.Text.Json;
using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>
/// The warnings one indicator's figures at one org unit give rise to, for every year with data: projected misses and
/// fluctuations of the total series, and validation-rule violations (numerator ≤ denominator, sub-groups against the total)
/// of every disaggregation. Missing reports are not here: they need the org unit's expectations and the clock (see
/// <see cref="WarningDetector.MissingReports"/>, run by the county).
/// </summary>
/// <remarks>
/// Fluctuations and rule violations are judged for every year (each with the data up to that year only) and stay until
/// a correction clears them; the projected miss is judged in the latest year with data, so it is the current outlook,
/// and a new year's figures clear the previous year's projection (kept in the register's history). Fluctuation is judged on the total only (sub-groups of a county are small and noisy), and, for rates and
/// percentages whose yearly numerator is below <see cref="PooledSeries.SmallNumerator"/>, on the pooled 3-year series:
/// one maternal death more is no fluctuation.
/// </remarks>
public static class SeriesWarnings
{
    public static IReadOnlyList<Warning> Detect(
        string orgUnit,
        IndicatorDefinition indicator,
        IReadOnlyCollection<ReportedFigure> figures,
        Func<string, IReadOnlyList<TargetView>> targetsOf,
        int baselineYear,
        WarningOptions? options = null,
        Func<int, bool>? judgeYear = null)
    {
        options ??= WarningOptions.Default;
        judgeYear ??= static _ => true;
        if (!indicator.IsNumeric || figures.Count == 0)
        {
            return [];
        }
        var warnings = new List<Warning>();
        var years = figures.Select(f => f.Year).Distinct().Order().ToArray();
        var series = new List<WatchedSeries>();
        foreach (var group in figures.GroupBy(f => f.Disaggregation, StringComparer.Ordinal))
        {
            var targets = targetsOf(group.Key);
            var values = group.ToDictionary(f => f.Year, f => ValueOf(indicator, f));
            if (targets.Count > 0)
            {
                series.Add(new WatchedSeries(orgUnit, indicator, group.Key, values, targets, indicator.Department));
            }
            if (group.Key == Disaggregation.Total)
            {
                var watched = new WatchedSeries(orgUnit, indicator, group.Key, FluctuationSeries(indicator, group.ToList(), values), targets, indicator.Department);
                foreach (var year in years.Where(judgeYear))
                {
                    warnings.AddRange(WarningDetector.Fluctuations([watched], year, options));
                }
            }
        }
        var rules = indicator.NumeratorWithinDenominator && indicator.Kind is IndicatorKind.Rate or IndicatorKind.Percentage
            ? new[] { ValidationRule.NumeratorWithinDenominator(indicator) }
            : [];
        // The projection is made from the latest year with data: when a new year arrives, the earlier projection's warning
        // clears (it stays in the history) and the new one says where things stand now.
        warnings.AddRange(WarningDetector.ProjectedMisses(series, years[^1], baselineYear));
        foreach (var year in years.Where(judgeYear))
        {
            warnings.AddRange(WarningDetector.RuleViolations(figures, rules, year, options));
        }
        return warnings;
    }

    /// <summary>The figures of a roll-up cell as the rules see them (Σ parts; a mean's weight in Denominator).</summary>
    public static ReportedFigure FromParts(string orgUnit, IndicatorDefinition indicator, CellKey key, decimal numerator, decimal? denominator) => indicator.Kind switch
    {
        IndicatorKind.Count => new(orgUnit, indicator, key.Year, key.Disaggregation, null, null, numerator, indicator.Department),
        IndicatorKind.Mean => new(orgUnit, indicator, key.Year, key.Disaggregation, null, denominator, Aggregation.ValueOf(indicator, numerator, denominator), indicator.Department),
        _ => new(orgUnit, indicator, key.Year, key.Disaggregation, numerator, denominator, null, indicator.Department),
    };

    public static DetectedWarning ToDetected(Warning w) =>
        new(KindName(w.Kind), w.Indicator, w.Year, w.Disaggregation, w.Rule, w.Department, w.Message, new Dictionary<string, double>(w.Numbers));

    /// <summary>The kind's name in the API and the register: one string per kind (a national register holds ~800,000).</summary>
    public static string KindName(WarningKind kind) => (uint)kind < (uint)KindNames.Length ? KindNames[(int)kind] : JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());

    private static readonly string[] KindNames = [.. Enum.GetValues<WarningKind>().Select(k => string.Intern(JsonNamingPolicy.CamelCase.ConvertName(k.ToString())))];

    private static decimal? ValueOf(IndicatorDefinition indicator, ReportedFigure f)
    {
        var (num, den) = Aggregation.Parts(indicator, f.Numerator, f.Denominator, f.Value);
        return Aggregation.ValueOf(indicator, num, den);
    }

    private static IReadOnlyDictionary<int, decimal?> FluctuationSeries(IndicatorDefinition indicator, List<ReportedFigure> total, IReadOnlyDictionary<int, decimal?> values)
    {
        if (indicator.Kind is not (IndicatorKind.Rate or IndicatorKind.Percentage)
            || total.Any(f => f.Numerator is null || f.Denominator is null)
            || total.All(f => f.Numerator >= PooledSeries.SmallNumerator))
        {
            return values;
        }
        var counts = total.ToDictionary(f => f.Year, f => new YearCounts(f.Numerator!.Value, f.Denominator!.Value));
        return PooledSeries.Pool(indicator, counts);
    }
}
