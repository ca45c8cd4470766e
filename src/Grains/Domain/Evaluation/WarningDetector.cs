using System.Globalization;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>
/// Detects early warnings (预警) for one year. Pure: the same input gives the same warnings, so re-running detection after
/// every change and diffing with <see cref="WarningHistory.Diff"/> raises and clears warnings automatically.
/// </summary>
public static class WarningDetector
{
    /// <summary>The modified z-score's constant: 0.6745 ≈ Φ⁻¹(0.75), which makes MAD-based z comparable to a standard z for normal data.</summary>
    public const double ModifiedZConstant = 0.6745;

    /// <summary>Used in place of 1/0.6745 with the mean absolute deviation when the MAD is 0: √(π/2) ≈ 1.253314.</summary>
    public const double MeanDeviationConstant = 1.253314;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>All four kinds for <see cref="WarningInput.Year"/>.</summary>
    public static IReadOnlyList<Warning> Detect(WarningInput input, WarningOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= WarningOptions.Default;
        return
        [
            .. ProjectedMisses(input.Series, input.Year, input.BaselineYear),
            .. Fluctuations(input.Series, input.Year, options),
            .. MissingReports(input.Expected, input.Reports, input.Year, input.Now, options.Deadline),
            .. RuleViolations(input.Figures, input.Rules, input.Year, options),
        ];
    }

    /// <summary>
    /// (a) Series whose trend, projected to the target year that governs <paramref name="year"/>, does not meet it
    /// (<see cref="ProgressProjection"/>; only data up to <paramref name="year"/> is used).
    /// </summary>
    public static IEnumerable<Warning> ProjectedMisses(IEnumerable<WatchedSeries> series, int year, int baselineYear = ProgressRater.DefaultBaselineYear)
    {
        foreach (var s in series)
        {
            var p = ProgressProjection.Project(s.Series, s.Targets, year, baselineYear);
            if (!p.ProjectedToMiss)
            {
                continue;
            }
            var numbers = new Dictionary<string, double>
            {
                ["projected"] = p.ProjectedValue!.Value,
                ["target"] = (double)p.TargetValue!.Value,
                ["targetYear"] = p.TargetYear!.Value,
                ["base"] = (double)p.BaseValue!.Value,
                ["current"] = (double)p.CurrentValue!.Value,
            };
            if (p.Ratio is { } r)
            {
                numbers["ratio"] = r;
            }
            if (p.ObservedCagr is { } c)
            {
                numbers["cagr"] = c;
            }
            yield return new Warning(WarningKind.ProjectedMiss, s.OrgUnit, s.Indicator.Code, year, s.Disaggregation, "", s.Department,
                "projected to miss the target: " + p.Reason, numbers);
        }
    }

    /// <summary>
    /// (b) A change from <paramref name="year"/> − 1 to <paramref name="year"/> that is an outlier among the unit's own
    /// year-over-year changes, or larger than the set percentage.
    /// </summary>
    /// <remarks>
    /// Changes are absolute differences between adjacent calendar years that both have a figure (a gap yields no change,
    /// rather than a multi-year jump being judged as one year's). The history is every such change up to and including
    /// <paramref name="year"/> (never later data). Modified z = 0.6745·(x − median)/MAD. When MAD = 0 (more than half the
    /// changes are identical) the mean absolute deviation stands in: z = (x − median)/(1.253314·MeanAD); if that is 0 too,
    /// every change is the same and none is an outlier. The percentage test is skipped when the previous figure is 0
    /// (undefined). For rates from small counts, pass a pooled series (<see cref="PooledSeries"/>): a county going from
    /// 1 to 2 maternal deaths is a 100% change of no significance.
    /// </remarks>
    public static IEnumerable<Warning> Fluctuations(IEnumerable<WatchedSeries> series, int year, WarningOptions? options = null)
    {
        options ??= WarningOptions.Default;
        foreach (var s in series)
        {
            if (Fluctuation(s, year, options) is { } w)
            {
                yield return w;
            }
        }
    }

    /// <summary>(b) for one series.</summary>
    internal static Warning? Fluctuation(WatchedSeries s, int year, WarningOptions options)
    {
        if (Figure(s.Series, year) is not { } current || Figure(s.Series, year - 1) is not { } previous)
        {
            return null;
        }
        var change = current - previous;
        // Judged first, numbers and messages built only for a warning: most changes are none, and the county judges
        // every changed indicator after every push (docs/benchmarks.md, session 9).
        double? percent = previous != 0m
            ? (double)(change * 100m / Math.Abs(previous)) // in decimal, so an exact 30% is 30, not 30.000000000000004
            : null;
        var percentBreached = percent is { } pc && Math.Abs(pc) > options.PercentChangeThreshold;

        var history = YearlyChanges(s.Series, year);
        (double Z, decimal Median, decimal Mad)? scored = history.Count >= options.MinChangesForZScore ? ModifiedZ(change, history) : null;
        // A smooth series has a tiny MAD, which makes any wobble an "outlier" (0.25 points on a 59% rate scored
        // z = −8.7 on the demo data); an outlier is worth a warning only when the change is material as well.
        var zBreached = scored is { } sc && Math.Abs(sc.Z) > options.ModifiedZThreshold
            && (percent is not { } pct || Math.Abs(pct) >= options.MinPercentChangeForZScore); // no percent: previous was 0
        if (!percentBreached && !zBreached)
        {
            return null;
        }

        var numbers = new Dictionary<string, double> { ["previous"] = (double)previous, ["current"] = (double)current, ["change"] = (double)change };
        var reasons = new List<string>(2);
        if (percent is { } p)
        {
            numbers["percentChange"] = p;
            if (percentBreached)
            {
                reasons.Add($"changed {p.ToString("+0.#;-0.#", Inv)}% (limit ±{options.PercentChangeThreshold.ToString("0.#", Inv)}%)");
            }
        }
        if (scored is { } zScore)
        {
            var (z, median, spread) = zScore;
            numbers["modifiedZ"] = z;
            numbers["medianChange"] = (double)median;
            numbers["mad"] = (double)spread;
            if (zBreached)
            {
                reasons.Add($"modified z-score {z.ToString("0.##", Inv)} against {history.Count} yearly changes (limit {options.ModifiedZThreshold.ToString("0.##", Inv)})");
            }
        }

        return new Warning(WarningKind.Fluctuation, s.OrgUnit, s.Indicator.Code, year, s.Disaggregation, "", s.Department,
            $"{year - 1}→{year}: {Trend.Number(previous)} → {Trend.Number(current)}; " + string.Join("; ", reasons), numbers);
    }

    /// <summary>The modified z-score of <paramref name="x"/> within <paramref name="sample"/>, with the median and MAD used.</summary>
    internal static (double Z, decimal Median, decimal Mad) ModifiedZ(decimal x, IReadOnlyList<decimal> sample)
    {
        var median = Median(sample);
        var deviations = sample.Select(v => Math.Abs(v - median)).ToList();
        var mad = Median(deviations);
        if (mad != 0m)
        {
            return (ModifiedZConstant * (double)(x - median) / (double)mad, median, mad);
        }
        var meanDeviation = deviations.Average();
        return meanDeviation == 0m
            ? (0.0, median, mad)
            : ((double)(x - median) / (MeanDeviationConstant * (double)meanDeviation), median, mad);
    }

    private static decimal Median(IReadOnlyList<decimal> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2m;
    }

    private static decimal? Figure(IReadOnlyDictionary<int, decimal?> series, int year) => series.TryGetValue(year, out var v) ? v : null;

    /// <summary>Every change between adjacent years that both have a figure, up to and including <paramref name="year"/>, in the series' order.</summary>
    private static List<decimal> YearlyChanges(IReadOnlyDictionary<int, decimal?> series, int year)
    {
        var changes = new List<decimal>(series.Count);
        foreach (var (y, now) in series)
        {
            if (y <= year && now is { } n && Figure(series, y - 1) is { } before)
            {
                changes.Add(n - before);
            }
        }
        return changes;
    }

    /// <summary>
    /// (c) Expected cells of <paramref name="year"/> with no report once the deadline has passed at <paramref name="now"/>.
    /// A late report clears the warning (lateness itself is counted by <see cref="Completeness"/>).
    /// </summary>
    public static IEnumerable<Warning> MissingReports(
        IEnumerable<ExpectedCell> expected,
        IEnumerable<CellReport> reports,
        int year,
        DateTimeOffset now,
        ReportingDeadline? deadline = null)
    {
        deadline ??= ReportingDeadline.Default;
        if (!deadline.HasPassed(year, now))
        {
            yield break;
        }
        var closesAt = deadline.ClosesAt(year);
        // The same few words for every county and indicator of a year: one shared string (a national register holds
        // hundreds of thousands of these warnings).
        var message = string.Intern($"{year} figure not reported; due by {closesAt.AddDays(-1).ToString("yyyy-MM-dd", Inv)}");
        var reported = reports.Where(r => r.Year == year).Select(r => (r.OrgUnit, r.Indicator)).ToHashSet();
        var seen = new HashSet<(string, string)>();
        foreach (var cell in expected.Where(c => c.Year == year))
        {
            if (reported.Contains((cell.OrgUnit, cell.Indicator)) || !seen.Add((cell.OrgUnit, cell.Indicator)))
            {
                continue;
            }
            var overdueDays = Math.Floor((now - closesAt).TotalDays);
            yield return new Warning(WarningKind.MissingAfterDeadline, cell.OrgUnit, cell.Indicator, year, "", "", cell.Department,
                message,
                new Dictionary<string, double> { ["daysOverdue"] = overdueDays });
        }
    }

    /// <summary>
    /// (d) Broken validation rules among the figures of <paramref name="year"/>: each explicit rule at every org unit and
    /// disaggregation where both sides have a figure, and, for every indicator, sub-groups against the total.
    /// </summary>
    /// <remarks>
    /// Sub-group rule: for each category (sex, area, age) with single-category figures (key "sex=male", not combined keys
    /// like "area=urban;sex=male") and a total (""), the sub-groups' additive parts must add up to the total's —
    /// numerators and denominators for rates and percentages, values for counts, weights (exactly) and the weighted mean
    /// (within <see cref="WarningOptions.MeanTolerance"/>) for means. When not every option of the category is present, only
    /// "Σ sub-groups ≤ total" can be checked (for the additive parts). Sums are decimal, so equality is exact.
    /// </remarks>
    public static IReadOnlyList<Warning> RuleViolations(IEnumerable<ReportedFigure> figures, IEnumerable<ValidationRule> rules, int year, WarningOptions? options = null)
    {
        var warnings = new List<Warning>();
        AddRuleViolations(warnings, figures, rules as IReadOnlyList<ValidationRule> ?? [.. rules], year, options ?? WarningOptions.Default);
        return warnings;
    }

    /// <summary>
    /// <see cref="RuleViolations"/> added to <paramref name="into"/>, in plain loops: a county judges every indicator a
    /// push touched, after every push while a page is open on it, and the rule checks' iterators, closures and sorted
    /// dictionaries were a third of that judgement's time (docs/benchmarks.md, session 18).
    /// </summary>
    internal static void AddRuleViolations(List<Warning> into, IEnumerable<ReportedFigure> figures, IReadOnlyList<ValidationRule> rules, int year, WarningOptions options)
    {
        // The year's figures, the first of each (org unit, indicator, disaggregation), in the order given.
        var ofYear = new FiguresOfYear();
        foreach (var f in figures)
        {
            if (f.Year == year)
            {
                ofYear.TryAdd(f);
            }
        }
        foreach (var rule in rules)
        {
            foreach (var left in ofYear.Figures)
            {
                if (left.Indicator.Code != rule.Left.Indicator
                    || ofYear.Find(left.OrgUnit, rule.Right.Indicator, left.Disaggregation) is not { } right
                    || Part(left, rule.Left.Part) is not { } l || Part(right, rule.Right.Part) is not { } r || rule.Holds(l, r))
                {
                    continue;
                }
                into.Add(new Warning(WarningKind.ValidationRule, left.OrgUnit, left.Indicator.Code, year, left.Disaggregation, rule.Id, left.Department,
                    $"{rule.Description ?? rule.Id}: {Trend.Number(l)} {rule.Operator} {Trend.Number(r)} does not hold",
                    new Dictionary<string, double> { ["left"] = (double)l, ["right"] = (double)r }));
            }
        }
        foreach (var total in ofYear.Figures)
        {
            if (total.Disaggregation == Disaggregation.Total)
            {
                AddSubgroupViolations(into, total, ofYear.Figures, options);
            }
        }
    }

    /// <summary>
    /// A year's figures keyed by (org unit, indicator, disaggregation): a list searched in order while small (a county's
    /// indicator has a handful per year), indexed once it grows (a unit's whole catalogue for its cross-indicator rules).
    /// </summary>
    private sealed class FiguresOfYear
    {
        private const int Indexed = 16;
        private Dictionary<(string OrgUnit, string Indicator, string Disaggregation), ReportedFigure>? _index;

        public List<ReportedFigure> Figures { get; } = [];

        public void TryAdd(ReportedFigure f)
        {
            if (Find(f.OrgUnit, f.Indicator.Code, f.Disaggregation) is not null)
            {
                return;
            }
            Figures.Add(f);
            if (_index is not null)
            {
                _index.Add((f.OrgUnit, f.Indicator.Code, f.Disaggregation), f);
            }
            else if (Figures.Count > Indexed)
            {
                _index = new(Figures.Count * 2);
                foreach (var g in Figures)
                {
                    _index.Add((g.OrgUnit, g.Indicator.Code, g.Disaggregation), g);
                }
            }
        }

        public ReportedFigure? Find(string orgUnit, string indicator, string disaggregation)
        {
            if (_index is not null)
            {
                return _index.GetValueOrDefault((orgUnit, indicator, disaggregation));
            }
            foreach (var f in Figures)
            {
                if (f.OrgUnit == orgUnit && f.Indicator.Code == indicator && f.Disaggregation == disaggregation)
                {
                    return f;
                }
            }
            return null;
        }
    }

    /// <summary>The additive parts the sub-group rule sums, by the indicator's kind.</summary>
    private enum Additive { Numerator, Denominator, Value, Weight }

    private static decimal? PartOf(ReportedFigure f, Additive part) => part switch
    {
        Additive.Numerator => f.Numerator,
        Additive.Denominator or Additive.Weight => f.Denominator,
        _ => f.Value,
    };

    private static string NameOf(Additive part) => part switch
    {
        Additive.Numerator => "numerator",
        Additive.Denominator => "denominator",
        Additive.Weight => "weight",
        _ => "value",
    };

    private static readonly Additive[] RateParts = [Additive.Numerator, Additive.Denominator];
    private static readonly Additive[] CountParts = [Additive.Value];
    private static readonly Additive[] MeanParts = [Additive.Weight];

    /// <summary>Σ of a part over the sub-groups and the total's part; false when the total or any sub-group lacks it.</summary>
    private static bool TrySum(ReportedFigure total, List<(ReportedFigure Figure, string Option)> members, Additive part, out decimal sum, out decimal of)
    {
        sum = 0m;
        of = 0m;
        if (PartOf(total, part) is not { } t)
        {
            return false;
        }
        foreach (var m in members)
        {
            if (PartOf(m.Figure, part) is not { } v)
            {
                return false;
            }
            sum += v;
        }
        of = t;
        return true;
    }

    private static void AddSubgroupViolations(List<Warning> into, ReportedFigure total, List<ReportedFigure> all, WarningOptions options)
    {
        var indicator = total.Indicator;
        // The single-category figures of the total's org unit and indicator, by category in ordinal order.
        List<(string Category, List<(ReportedFigure Figure, string Option)> Members)>? byCategory = null;
        foreach (var f in all)
        {
            if (f.Disaggregation == Disaggregation.Total || f.OrgUnit != total.OrgUnit || f.Indicator.Code != indicator.Code
                || Disaggregation.Parse(f.Disaggregation) is not { Count: 1 } parts)
            {
                continue;
            }
            foreach (var (category, option) in parts)
            {
                byCategory ??= new(3);
                var c = 0;
                while (c < byCategory.Count && byCategory[c].Category != category)
                {
                    c++;
                }
                if (c == byCategory.Count)
                {
                    byCategory.Add((category, []));
                }
                byCategory[c].Members.Add((f, option));
            }
        }
        if (byCategory is null)
        {
            return;
        }
        byCategory.Sort(static (a, b) => string.CompareOrdinal(a.Category, b.Category));
        var additive = indicator.Kind switch
        {
            IndicatorKind.Rate or IndicatorKind.Percentage => RateParts,
            IndicatorKind.Count => CountParts,
            IndicatorKind.Mean => MeanParts,
            _ => [],
        };
        foreach (var (category, members) in byCategory)
        {
            var complete = IsComplete(indicator.OptionsOf(category), members);
            // Judged first; the numbers and the message are built only for a broken rule.
            var broken = false;
            foreach (var part in additive)
            {
                if (TrySum(total, members, part, out var sum, out var t))
                {
                    broken |= complete ? sum != t : sum > t;
                }
            }
            (decimal Weighted, decimal Mean)? means = null;
            if (indicator.Kind == IndicatorKind.Mean && complete && total.Value is { } mean && total.Denominator is not null
                && members.TrueForAll(static m => m.Figure.Value is not null && m.Figure.Denominator is not null))
            {
                var weight = members.Sum(static m => m.Figure.Denominator!.Value);
                if (weight > 0m)
                {
                    var weighted = members.Sum(static m => m.Figure.Value!.Value * m.Figure.Denominator!.Value) / weight;
                    means = (weighted, mean);
                    broken |= Math.Abs(weighted - mean) > options.MeanTolerance;
                }
            }
            if (!broken)
            {
                continue;
            }
            var numbers = new Dictionary<string, double>();
            var problems = new List<string>();
            foreach (var part in additive)
            {
                if (!TrySum(total, members, part, out var sum, out var t))
                {
                    continue;
                }
                var name = NameOf(part);
                numbers[name + "Sum"] = (double)sum;
                numbers[name + "Total"] = (double)t;
                if (complete ? sum != t : sum > t)
                {
                    problems.Add($"Σ {name} {Trend.Number(sum)} {(complete ? "≠" : ">")} total {Trend.Number(t)}");
                }
            }
            if (means is { } weightedMeans)
            {
                var (w, m) = weightedMeans;
                numbers["weightedMean"] = (double)w;
                numbers["mean"] = (double)m;
                if (Math.Abs(w - m) > options.MeanTolerance)
                {
                    problems.Add($"weighted mean of sub-groups {Trend.Number(w)} differs from total {Trend.Number(m)} by more than {Trend.Number(options.MeanTolerance)}");
                }
            }
            into.Add(new Warning(WarningKind.ValidationRule, total.OrgUnit, indicator.Code, total.Year, Disaggregation.Total, "subgroups:" + category, total.Department,
                $"{category} sub-groups{(complete ? "" : " (incomplete)")} do not add up to the total: " + string.Join("; ", problems), numbers));
        }
    }

    /// <summary>Every option of the category has a sub-group figure (a category without options is never complete).</summary>
    private static bool IsComplete(IReadOnlyList<string> categoryOptions, List<(ReportedFigure Figure, string Option)> members)
    {
        if (categoryOptions.Count == 0)
        {
            return false;
        }
        foreach (var option in categoryOptions)
        {
            var found = false;
            foreach (var m in members)
            {
                if (m.Option == option)
                {
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                return false;
            }
        }
        return true;
    }

    // A count has no numerator of its own: its value is what a "numerator" side of a rule means (e.g. deliveries ≤ births).
    private static decimal? Part(ReportedFigure f, FigurePart part) => part switch
    {
        FigurePart.Numerator => f.Indicator.Kind == IndicatorKind.Count ? f.Numerator ?? f.Value : f.Numerator,
        FigurePart.Denominator => f.Denominator,
        _ => f.Value ?? (f.Numerator is { } n && f.Indicator.HasDenominator ? Aggregation.ValueOf(f.Indicator, n, f.Denominator) : null),
    };
}
