using OrleansPlans.Contracts;
using OrleansPlans.Domain.Evaluation;
using static OrleansPlans.Domain.Tests.Evaluation.EvaluationFixtures;

namespace OrleansPlans.Domain.Tests.Evaluation;

/// <summary>Each warning kind raised and then cleared by re-running detection on corrected data. Doubles within 1e-6 unless stated.</summary>
public class WarningDetectorTests
{
    private const string County = "cn-511725";

    private static readonly IndicatorDefinition HospitalDeliveries = new("hospital-deliveries", "住院分娩数", "Hospital deliveries", PlanKind.Women, "health",
        IndicatorKind.Count, 1m, "人", null, null, Direction.Higher, false, [], [], "health", "test");

    private static WatchedSeries Watch(IndicatorDefinition indicator, Dictionary<int, decimal?> series, params TargetView[] targets) =>
        new(County, indicator, "", series, targets, "health");

    private static ReportedFigure Figure(IndicatorDefinition indicator, string disaggregation, decimal? numerator = null, decimal? denominator = null, decimal? value = null) =>
        new(County, indicator, 2024, disaggregation, numerator, denominator, value, "health");

    // --- (a) projected miss ---

    [Fact]
    public void Projected_miss_is_raised_and_cleared()
    {
        // 40 → 46: projected 2030 = 46 × 1.15^1.5 = 56.72893 < 70 → warning.
        var before = WarningDetector.ProjectedMisses([Watch(Screening, Series((2020, 40), (2024, 46)), Target(">=", 70m))], 2024).ToList();
        var w = Assert.Single(before);
        Assert.Equal(WarningKind.ProjectedMiss, w.Kind);
        Assert.Equal((County, "cervical-cancer-screening-rate", 2024, "health"), (w.OrgUnit, w.Indicator, w.Year, w.Department));
        Near(56.72893, w.Numbers["projected"], 1e-4);
        Near(70, w.Numbers["target"]);
        Near(0.557631, w.Numbers["ratio"]);
        // Corrected 2024 = 60: 60 × 1.5^1.5 = 110.227 ≥ 70 → no warning; the diff clears it.
        var after = WarningDetector.ProjectedMisses([Watch(Screening, Series((2020, 40), (2024, 60)), Target(">=", 70m))], 2024).ToList();
        Assert.Empty(after);
        Assert.Equal([w.Key], WarningHistory.Diff(before, after).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void No_projected_miss_without_a_numeric_target_or_data()
    {
        Assert.Empty(WarningDetector.ProjectedMisses([Watch(Screening, Series((2020, 40), (2024, 39)), Target("increase", null))], 2024));
        Assert.Empty(WarningDetector.ProjectedMisses([Watch(Screening, Series((2024, 39)), Target(">=", 70m))], 2024));
    }

    // --- (b) fluctuation ---

    [Fact]
    public void Modified_z_score_flags_an_outlying_change()
    {
        // Changes 2020–2024: 1, 2, 3, 2, 10. Median 2; |deviations| 1, 0, 1, 0, 8 → MAD = 1.
        // z(10) = 0.6745 × (10 − 2)/1 = 5.396 > 3.5. Percent: 10/108 = 9.26% (below 30%).
        var series = Series((2019, 100), (2020, 101), (2021, 103), (2022, 106), (2023, 108), (2024, 118));
        var w = Assert.Single(WarningDetector.Fluctuations([Watch(Screening, series)], 2024));
        Assert.Equal(WarningKind.Fluctuation, w.Kind);
        Near(5.396, w.Numbers["modifiedZ"]);
        Near(2, w.Numbers["medianChange"]);
        Near(1, w.Numbers["mad"]);
        Near(9.259259, w.Numbers["percentChange"]);
        Assert.Contains("modified z-score", w.Message);
        // A higher threshold (6) lets it pass.
        Assert.Empty(WarningDetector.Fluctuations([Watch(Screening, series)], 2024, new WarningOptions { ModifiedZThreshold = 6 }));
        // Judging 2023 uses only changes up to 2023 (1, 2, 3, 2: median 2, MAD 0.5): z(2) = 0 → nothing, whatever 2024 holds.
        Assert.Empty(WarningDetector.Fluctuations([Watch(Screening, series)], 2023));
    }

    [Fact]
    public void Zero_MAD_uses_the_mean_absolute_deviation()
    {
        // Changes 1, 1, 1, 1, 9: median 1, deviations 0, 0, 0, 0, 8 → MAD = 0; MeanAD = 8/5 = 1.6.
        // z = (9 − 1)/(1.253314 × 1.6) = 3.98942 > 3.5. Percent 9/54 = 16.7%.
        var spike = Series((2019, 50), (2020, 51), (2021, 52), (2022, 53), (2023, 54), (2024, 63));
        var w = Assert.Single(WarningDetector.Fluctuations([Watch(Screening, spike)], 2024));
        Near(3.9894232, w.Numbers["modifiedZ"]);
        Near(0, w.Numbers["mad"]);
        // Corrected to 55 (change 1): all changes equal, MeanAD = 0 → z = 0 → cleared.
        var corrected = Series((2019, 50), (2020, 51), (2021, 52), (2022, 53), (2023, 54), (2024, 55));
        var after = WarningDetector.Fluctuations([Watch(Screening, corrected)], 2024).ToList();
        Assert.Empty(after);
        Assert.Single(WarningHistory.Diff([w], after).Cleared);
    }

    [Theory]
    [InlineData(53, true)]   // (53 − 40)/40 = +32.5% > 30%
    [InlineData(51, false)]  // +27.5%
    [InlineData(27, true)]   // −32.5%
    [InlineData(52, false)]  // exactly +30%: not beyond the limit
    public void Percentage_change_beyond_the_limit(double current, bool flagged)
    {
        // Only one change in the history, so no z-score: the percentage test alone decides.
        var warnings = WarningDetector.Fluctuations([Watch(Screening, Series((2023, 40), (2024, current)))], 2024).ToList();
        Assert.Equal(flagged, warnings.Count == 1);
        if (flagged)
        {
            Assert.False(warnings[0].Numbers.ContainsKey("modifiedZ"));
        }
    }

    [Fact]
    public void Percentage_limit_is_configurable_and_undefined_from_zero()
    {
        // +27.5% passes at 30% but not at 20%.
        Assert.Single(WarningDetector.Fluctuations([Watch(Screening, Series((2023, 40), (2024, 51)))], 2024, new WarningOptions { PercentChangeThreshold = 20 }));
        // From 0 the percentage is undefined and skipped (and one change is too few for a z-score).
        Assert.Empty(WarningDetector.Fluctuations([Watch(MaternalMortality, Series((2023, 0), (2024, 25)))], 2024));
        // A gap (no 2023) means no year-over-year change for 2024.
        Assert.Empty(WarningDetector.Fluctuations([Watch(Screening, Series((2022, 40), (2024, 90)))], 2024));
    }

    [Fact]
    public void Too_short_a_history_gives_no_z_score()
    {
        // Changes 1 and 20 (two): below the minimum of three; percent 20/41 = 48.8% still flags.
        var w = Assert.Single(WarningDetector.Fluctuations([Watch(Screening, Series((2022, 40), (2023, 41), (2024, 61)))], 2024));
        Assert.False(w.Numbers.ContainsKey("modifiedZ"));
        Near(48.780488, w.Numbers["percentChange"]);
    }

    // --- (c) missing after the deadline ---

    [Fact]
    public void Missing_after_the_deadline_is_raised_and_cleared_by_a_late_report()
    {
        ExpectedCell[] expected = [new(County, MaternalMortality.Code, 2024, "health"), new(County, Screening.Code, 2024, "health"), new(County, Screening.Code, 2023, "health")];
        List<CellReport> reports = [new(County, Screening.Code, 2024, new DateTimeOffset(2025, 2, 1, 9, 0, 0, TimeSpan.FromHours(8)))];

        // Last second of 31 March 2025 (UTC+8): not yet due.
        Assert.Empty(WarningDetector.MissingReports(expected, reports, 2024, new DateTimeOffset(2025, 3, 31, 23, 59, 59, TimeSpan.FromHours(8))));
        // 1 April 00:00 UTC+8 (= 31 March 16:00 UTC): due; the unreported maternal mortality is missing.
        var due = WarningDetector.MissingReports(expected, reports, 2024, new DateTimeOffset(2025, 3, 31, 16, 0, 0, TimeSpan.Zero)).ToList();
        var w = Assert.Single(due);
        Assert.Equal((WarningKind.MissingAfterDeadline, MaternalMortality.Code, 2024, "health"), (w.Kind, w.Indicator, w.Year, w.Department));
        Near(0, w.Numbers["daysOverdue"]);
        // Ten and a half days later.
        Near(10, WarningDetector.MissingReports(expected, reports, 2024, new DateTimeOffset(2025, 4, 11, 12, 0, 0, TimeSpan.FromHours(8))).Single().Numbers["daysOverdue"]);
        // A late report clears it.
        reports.Add(new(County, MaternalMortality.Code, 2024, new DateTimeOffset(2025, 4, 15, 10, 0, 0, TimeSpan.FromHours(8))));
        var after = WarningDetector.MissingReports(expected, reports, 2024, new DateTimeOffset(2025, 4, 16, 0, 0, 0, TimeSpan.FromHours(8))).ToList();
        Assert.Empty(after);
        Assert.Single(WarningHistory.Diff(due, after).Cleared);
    }

    [Fact]
    public void Deadline_is_configurable()
    {
        ExpectedCell[] expected = [new(County, MaternalMortality.Code, 2024)];
        var april = new DateTimeOffset(2025, 4, 11, 12, 0, 0, TimeSpan.FromHours(8));
        var june30 = new ReportingDeadline(Month: 6, Day: 30);
        Assert.Empty(WarningDetector.MissingReports(expected, [], 2024, april, june30));
        Assert.Single(WarningDetector.MissingReports(expected, [], 2024, new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.FromHours(8)), june30));
        Assert.Equal(new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.FromHours(8)), ReportingDeadline.Default.ClosesAt(2024));
    }

    // --- (d) validation rules ---

    [Fact]
    public void Numerator_within_denominator_rule()
    {
        var rule = ValidationRule.NumeratorWithinDenominator(Screening);
        // Screened 120 > eligible 100.
        var w = Assert.Single(WarningDetector.RuleViolations([Figure(Screening, "", 120, 100)], [rule], 2024));
        Assert.Equal((WarningKind.ValidationRule, rule.Id, ""), (w.Kind, w.Rule, w.Disaggregation));
        Near(120, w.Numbers["left"]);
        Near(100, w.Numbers["right"]);
        Assert.Contains("筛查人数 ≤ 适龄妇女人数", w.Message);
        // Corrected to 80/100: cleared.
        var after = WarningDetector.RuleViolations([Figure(Screening, "", 80, 100)], [rule], 2024).ToList();
        Assert.Empty(after);
        Assert.Single(WarningHistory.Diff([w], after).Cleared);
        // Other years are not looked at.
        Assert.Empty(WarningDetector.RuleViolations([Figure(Screening, "", 120, 100)], [rule], 2023));
    }

    [Fact]
    public void Rule_between_two_indicators_per_disaggregation()
    {
        // Hospital deliveries ≤ live births (the maternal mortality denominator), at the same org unit, year and disaggregation.
        var rule = new ValidationRule("deliveries<=births", new(HospitalDeliveries.Code), "<=", new(MaternalMortality.Code, FigurePart.Denominator));
        ReportedFigure[] figures =
        [
            Figure(HospitalDeliveries, "", value: 4100), Figure(MaternalMortality, "", 1, 4000),
            Figure(HospitalDeliveries, "area=urban", value: 1900), Figure(MaternalMortality, "area=urban", 0, 2000),
            Figure(HospitalDeliveries, "area=rural", value: 2200), // no rural births figure: skipped
        ];
        var w = Assert.Single(WarningDetector.RuleViolations(figures, [rule], 2024));
        Assert.Equal((HospitalDeliveries.Code, "", "deliveries<=births"), (w.Indicator, w.Disaggregation, w.Rule));
        Near(4100, w.Numbers["left"]);
        Near(4000, w.Numbers["right"]);
    }

    [Fact]
    public void Among_many_figures_each_rule_finds_its_other_side_and_the_first_of_a_repeated_figure_counts()
    {
        // Twenty units' deliveries, then their births: past a handful of figures they are looked up by key, and the
        // births (the rule's right side) are all added after that point. Deliveries exceed births at the even units.
        var rule = new ValidationRule("deliveries<=births", new(HospitalDeliveries.Code), "<=", new(MaternalMortality.Code, FigurePart.Denominator));
        ReportedFigure At(string unit, IndicatorDefinition indicator, decimal? numerator = null, decimal? denominator = null, decimal? value = null) =>
            new(unit, indicator, 2024, "", numerator, denominator, value, "health");
        var units = Enumerable.Range(0, 20).Select(i => $"cn-5117{i:00}").ToArray();
        ReportedFigure[] figures =
        [
            .. units.Select((u, i) => At(u, HospitalDeliveries, value: 1000 + i)),
            .. units.Select((u, i) => At(u, MaternalMortality, 1, 1000 + i + (i % 2 == 0 ? -1 : 1))),
            At(units[0], HospitalDeliveries, value: 1),           // a repeat: the first figure of the unit counts
            At(units[1], MaternalMortality, 1, 1),                // likewise on the right side
        ];

        var warnings = WarningDetector.RuleViolations(figures, [rule], 2024);

        Assert.Equal(units.Where((_, i) => i % 2 == 0), warnings.Select(w => w.OrgUnit));
        Near(1000, warnings[0].Numbers["left"]);
        Near(999, warnings[0].Numbers["right"]);
    }

    [Fact]
    public void Rule_values_are_computed_from_parts_and_operators_are_checked()
    {
        // Screening value from parts 45/100 → 45; rule: screening value ≥ hospital deliveries value (45 ≥ 50 fails).
        var rule = new ValidationRule("x", new(Screening.Code), ">=", new(HospitalDeliveries.Code));
        var w = Assert.Single(WarningDetector.RuleViolations([Figure(Screening, "", 45, 100), Figure(HospitalDeliveries, "", value: 50)], [rule], 2024));
        Near(45, w.Numbers["left"]);
        Assert.Throws<ArgumentException>(() => new ValidationRule("bad", new("a"), "=<", new("b")));
    }

    [Fact]
    public void Rate_subgroups_must_sum_to_the_total()
    {
        // Male 30/1000 + female 20/900 = 50/1900.
        ReportedFigure[] ok = [Figure(Screening, "", 50, 1900), Figure(Screening, "sex=male", 30, 1000), Figure(Screening, "sex=female", 20, 900)];
        Assert.Empty(WarningDetector.RuleViolations(ok, [], 2024));
        // Total numerator 51 ≠ 50.
        ReportedFigure[] bad = [Figure(Screening, "", 51, 1900), Figure(Screening, "sex=male", 30, 1000), Figure(Screening, "sex=female", 20, 900)];
        var w = Assert.Single(WarningDetector.RuleViolations(bad, [], 2024));
        Assert.Equal(("subgroups:sex", ""), (w.Rule, w.Disaggregation));
        Near(50, w.Numbers["numeratorSum"]);
        Near(51, w.Numbers["numeratorTotal"]);
        Near(1900, w.Numbers["denominatorSum"]);
        Assert.Contains("Σ numerator 50 ≠ total 51", w.Message);
        Assert.DoesNotContain("denominator 1900", w.Message);
        // Combined keys (area × sex) are not sub-groups of one category and are ignored.
        Assert.Empty(WarningDetector.RuleViolations([.. ok, Figure(Screening, "area=urban;sex=female", 999, 999)], [], 2024));
    }

    [Fact]
    public void Count_subgroups_complete_and_incomplete()
    {
        // Urban 5 + rural 3 = 8 ≠ 9.
        var w = Assert.Single(WarningDetector.RuleViolations([Figure(Homes, "", value: 9), Figure(Homes, "area=urban", value: 5), Figure(Homes, "area=rural", value: 3)], [], 2024));
        Assert.Equal("subgroups:area", w.Rule);
        Assert.Empty(WarningDetector.RuleViolations([Figure(Homes, "", value: 8), Figure(Homes, "area=urban", value: 5), Figure(Homes, "area=rural", value: 3)], [], 2024));
        // Only urban reported: 12 > 9 cannot be right; 5 ≤ 9 may be.
        var partial = Assert.Single(WarningDetector.RuleViolations([Figure(Homes, "", value: 9), Figure(Homes, "area=urban", value: 12)], [], 2024));
        Assert.Contains("(incomplete)", partial.Message);
        Assert.Empty(WarningDetector.RuleViolations([Figure(Homes, "", value: 9), Figure(Homes, "area=urban", value: 5)], [], 2024));
    }

    [Theory]
    // Urban 80.0 × 600 + rural 78.0 × 400 = 79,200 over 1,000 → weighted mean 79.2.
    [InlineData(79.2, 1000, false)]
    [InlineData(79.24, 1000, false)] // |79.2 − 79.24| = 0.04 ≤ 0.05
    [InlineData(79.3, 1000, true)]   // 0.1 > 0.05
    [InlineData(79.2, 1001, true)]   // weights 600 + 400 ≠ 1001
    public void Mean_subgroups_match_within_tolerance(double total, double weight, bool flagged)
    {
        ReportedFigure[] figures =
        [
            Figure(LifeExpectancy, "", value: (decimal)total, denominator: (decimal)weight),
            Figure(LifeExpectancy, "area=urban", value: 80.0m, denominator: 600),
            Figure(LifeExpectancy, "area=rural", value: 78.0m, denominator: 400),
        ];
        Assert.Equal(flagged, WarningDetector.RuleViolations(figures, [], 2024).Any());
    }

    // --- all together ---

    [Fact]
    public void Detect_runs_every_kind_and_a_clean_rerun_clears_them_all()
    {
        var now = new DateTimeOffset(2025, 5, 1, 0, 0, 0, TimeSpan.FromHours(8));
        var bad = new WarningInput(2024, now)
        {
            Series = [Watch(Screening, Series((2020, 40), (2023, 44), (2024, 46)), Target(">=", 70m)), Watch(Homes, Series((2023, 10), (2024, 20)))],
            Expected = [new(County, MaternalMortality.Code, 2024, "health")],
            Figures = [Figure(Screening, "", 120, 100)],
            Rules = [ValidationRule.NumeratorWithinDenominator(Screening)],
        };
        var raised = WarningDetector.Detect(bad);
        Assert.Equal(
            [WarningKind.ProjectedMiss, WarningKind.Fluctuation, WarningKind.MissingAfterDeadline, WarningKind.ValidationRule],
            raised.Select(w => w.Kind).Order());
        Assert.Equal(Homes.Code, raised.Single(w => w.Kind == WarningKind.Fluctuation).Indicator); // 10 → 20 = +100%

        var good = bad with
        {
            Series = [Watch(Screening, Series((2020, 40), (2023, 55), (2024, 60)), Target(">=", 70m)), Watch(Homes, Series((2023, 10), (2024, 11)))],
            Reports = [new(County, MaternalMortality.Code, 2024, now)],
            Figures = [Figure(Screening, "", 80, 100)],
        };
        var diff = WarningHistory.Diff(raised, WarningDetector.Detect(good));
        Assert.Empty(diff.Raised);
        Assert.Empty(diff.StillActive);
        Assert.Equal(4, diff.Cleared.Count);
    }
}
