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
/// percentages with a yearly numerator below <see cref="PooledSeries.SmallNumerator"/> in any year up to the judged one,
/// on the pooled 3-year series: one maternal death more is no fluctuation.
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
        var groups = new List<SeriesFigures>(4);
        var years = new List<int>(8);
        foreach (var f in figures)
        {
            var g = groups.Count - 1;
            while (g >= 0 && !string.Equals(groups[g].Disaggregation, f.Disaggregation, StringComparison.Ordinal))
            {
                g--;
            }
            if (g < 0)
            {
                groups.Add(new SeriesFigures(f.Disaggregation, targetsOf(f.Disaggregation), new List<ReportedFigure>(8)));
                g = groups.Count - 1;
            }
            groups[g].Figures.Add(f);
            if (!years.Contains(f.Year))
            {
                years.Add(f.Year);
            }
        }
        years.Sort();
        return Judge(orgUnit, indicator, groups, years, years.FindAll(y => judgeYear(y)), year => OfYear(figures, year), baselineYear, options);
    }

    /// <summary>
    /// One disaggregation's figures and targets, as <see cref="Judge"/> reads them: every year's figure of the total and
    /// of series with targets. Other series may be left out (only the rule checks read them, through ofYear).
    /// </summary>
    internal readonly record struct SeriesFigures(string Disaggregation, IReadOnlyList<TargetView> Targets, List<ReportedFigure> Figures);

    /// <summary>
    /// <see cref="Detect"/> on figures already grouped: <paramref name="groups"/> in order of first appearance,
    /// <paramref name="years"/> every year with a figure (ascending), <paramref name="judged"/> the years to judge, and
    /// <paramref name="ofYear"/> every figure of a year in the figures' order. A county's indicator builds these straight
    /// from its series, and only the figures a judgement reads.
    /// </summary>
    /// <remarks>
    /// Plain loops: a county re-judges every indicator a push touched, and with the committee's pages open it does so
    /// after every push rather than once per warning timer (docs/benchmarks.md, session 17).
    /// </remarks>
    internal static List<Warning> Judge(
        string orgUnit,
        IndicatorDefinition indicator,
        IReadOnlyList<SeriesFigures> groups,
        IReadOnlyList<int> years,
        IReadOnlyList<int> judged,
        Func<int, IEnumerable<ReportedFigure>> ofYear,
        int baselineYear,
        WarningOptions options)
    {
        var warnings = new List<Warning>();
        if (!indicator.IsNumeric || years.Count == 0)
        {
            return warnings;
        }
        List<WatchedSeries>? series = null;
        foreach (var (disaggregation, targets, group) in groups)
        {
            var total = disaggregation == Disaggregation.Total;
            if (targets.Count == 0 && !total)
            {
                continue; // a sub-group without targets is read by the rule checks only
            }
            var values = new Dictionary<int, decimal?>(group.Count);
            foreach (var f in group)
            {
                values.Add(f.Year, ValueOf(indicator, f));
            }
            if (targets.Count > 0)
            {
                (series ??= []).Add(new WatchedSeries(orgUnit, indicator, disaggregation, values, targets, indicator.Department));
            }
            if (total)
            {
                WatchedSeries? yearly = null, pooled = null;
                foreach (var year in judged)
                {
                    var watched = PooledAt(indicator, group, year)
                        ? pooled ??= new WatchedSeries(orgUnit, indicator, disaggregation, Pooled(indicator, group), targets, indicator.Department)
                        : yearly ??= new WatchedSeries(orgUnit, indicator, disaggregation, values, targets, indicator.Department);
                    if (WarningDetector.Fluctuation(watched, year, options) is { } w)
                    {
                        warnings.Add(w);
                    }
                }
            }
        }
        // The projection is made from the latest year with data: when a new year arrives, the earlier projection's warning
        // clears (it stays in the history) and the new one says where things stand now.
        if (series is not null)
        {
            warnings.AddRange(WarningDetector.ProjectedMisses(series, years[^1], baselineYear));
        }
        var rules = indicator.NumeratorWithinDenominator && indicator.Kind is IndicatorKind.Rate or IndicatorKind.Percentage
            ? RulesOf.GetValue(indicator, static i => [ValidationRule.NumeratorWithinDenominator(i)])
            : [];
        foreach (var year in judged)
        {
            WarningDetector.AddRuleViolations(warnings, ofYear(year), rules, year, options);
        }
        return warnings;
    }

    /// <summary>Each indicator's own rule (numerator ≤ denominator), made once rather than at every judgement.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IndicatorDefinition, ValidationRule[]> RulesOf = [];

    private static List<ReportedFigure> OfYear(IEnumerable<ReportedFigure> figures, int year)
    {
        var ofYear = new List<ReportedFigure>();
        foreach (var f in figures)
        {
            if (f.Year == year)
            {
                ofYear.Add(f);
            }
        }
        return ofYear;
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

    /// <summary>
    /// Whether the fluctuation of <paramref name="year"/> is judged on the pooled series: a rate or percentage whose
    /// figures up to that year all have their counts, and at least one of them a small numerator. Decided on the
    /// figures up to the year only, like the judgement itself: a later year's small count does not re-judge the
    /// fluctuations of earlier years (until session 17 it did, and a county's incremental re-judging, which keeps
    /// earlier years' results, then disagreed with a detection from scratch).
    /// </summary>
    private static bool PooledAt(IndicatorDefinition indicator, List<ReportedFigure> total, int year)
    {
        if (indicator.Kind is not (IndicatorKind.Rate or IndicatorKind.Percentage))
        {
            return false;
        }
        var small = false;
        foreach (var f in total)
        {
            if (f.Year > year)
            {
                continue;
            }
            if (f.Numerator is not { } numerator || f.Denominator is null)
            {
                return false;
            }
            small |= numerator < PooledSeries.SmallNumerator;
        }
        return small;
    }

    /// <summary>The pooled series of the figures that have their counts (a pooled year reads only its own and earlier years).</summary>
    private static IReadOnlyDictionary<int, decimal?> Pooled(IndicatorDefinition indicator, List<ReportedFigure> total)
    {
        var counts = new Dictionary<int, YearCounts>(total.Count);
        foreach (var f in total)
        {
            if (f.Numerator is { } numerator && f.Denominator is { } denominator)
            {
                counts[f.Year] = new YearCounts(numerator, denominator);
            }
        }
        return PooledSeries.Pool(indicator, counts);
    }
}
