using OrleansPlans.Contracts;
using OrleansPlans.Domain.Evaluation;
using OrleansPlans.Domain.Loading;
using OrleansPlans.Domain.Synthetic;
using static OrleansPlans.Domain.Tests.Evaluation.EvaluationFixtures;

namespace OrleansPlans.Domain.Tests.Evaluation;

/// <summary>The per-indicator warning run, materiality of z-score outliers, qualitative goals and the demo data's consistency.</summary>
public sealed class MonitoringRulesTests
{
    private static ReportedFigure Rate(int year, decimal num, decimal den, string disaggregation = "") =>
        new("510104", MaternalMortality, year, disaggregation, num, den, null, "health");

    private static IReadOnlyList<TargetView> NationalMmr(string disaggregation) => disaggregation == "" ? [Target("<", 12m)] : [];

    [Fact]
    public void The_projected_miss_is_judged_in_the_latest_year_only()
    {
        // 20 → 22 → 24 per 100,000: every year's projection misses, but only the current outlook (2022) is a warning.
        ReportedFigure[] figures = [Rate(2020, 200, 1_000_000), Rate(2021, 220, 1_000_000), Rate(2022, 240, 1_000_000)];
        var warnings = SeriesWarnings.Detect("510104", MaternalMortality, figures, NationalMmr, 2020);
        var miss = Assert.Single(warnings, w => w.Kind == WarningKind.ProjectedMiss);
        Assert.Equal(2022, miss.Year);
        // Independent: CAGR (24/20)^(1/2) − 1 = 9.545%; 24 × 1.09545^8 = 49.77 per 100,000 in 2030.
        Near(24 * Math.Pow(Math.Sqrt(1.2), 8), miss.Numbers["projected"], 1e-6);
    }

    [Fact]
    public void Sub_group_and_numerator_rules_run_for_every_year()
    {
        ReportedFigure[] figures =
        [
            Rate(2022, 3, 10_000), Rate(2022, 1, 4_000, "area=urban"), Rate(2022, 2, 6_000, "area=rural"),
            Rate(2023, 3, 10_000), Rate(2023, 1, 4_000, "area=urban"), Rate(2023, 1, 6_000, "area=rural"),
        ];
        var rules = SeriesWarnings.Detect("510104", MaternalMortality, figures, NationalMmr, 2020).Where(w => w.Kind == WarningKind.ValidationRule).ToList();
        var broken = Assert.Single(rules);
        Assert.Equal((2023, "subgroups:area"), (broken.Year, broken.Rule));
    }

    [Fact]
    public void Small_counts_are_pooled_before_judging_a_fluctuation()
    {
        // 1, 1, 1, 3 deaths in ~5,000 births: 20 → 60 per 100,000 is +200% on the yearly figures, but pooled over three
        // years it is (1+1+3)/15,000 = 33.3 against 20: +66.7%, still a swing — and 2 → 3 deaths pooled is not.
        ReportedFigure[] spike = [Rate(2020, 1, 5_000), Rate(2021, 1, 5_000), Rate(2022, 1, 5_000), Rate(2023, 3, 5_000)];
        var w = Assert.Single(SeriesWarnings.Detect("510104", MaternalMortality, spike, _ => [], 2020), x => x.Kind == WarningKind.Fluctuation);
        // Figures are stored to 4 decimals (33.3333), hence the tolerance.
        Near(100.0 * ((5.0 / 15_000) - (3.0 / 15_000)) / (3.0 / 15_000), w.Numbers["percentChange"], 1e-3);

        ReportedFigure[] calm = [Rate(2020, 2, 5_000), Rate(2021, 2, 5_000), Rate(2022, 2, 5_000), Rate(2023, 3, 5_000)];
        Assert.DoesNotContain(SeriesWarnings.Detect("510104", MaternalMortality, calm, _ => [], 2020), x => x.Kind == WarningKind.Fluctuation);
    }

    [Fact]
    public void A_later_years_small_count_does_not_re_judge_an_earlier_fluctuation()
    {
        // 100 → 160 deaths in 500,000 births (20 → 32 per 100,000, +60%) is a swing judged on the yearly figures: every
        // count so far is large. A 2024 with 10 deaths makes 2024 a pooled judgement, and 2023's stays what it was, as a
        // county that judged 2023 when it arrived keeps it (the county re-judges only the years a push can affect).
        ReportedFigure[] large = [Rate(2020, 100, 500_000), Rate(2021, 102, 500_000), Rate(2022, 100, 500_000), Rate(2023, 160, 500_000)];
        var judged = Assert.Single(SeriesWarnings.Detect("510104", MaternalMortality, large, _ => [], 2020), x => x.Kind == WarningKind.Fluctuation);
        Assert.Equal(2023, judged.Year);
        Near(60.0, judged.Numbers["percentChange"], 1e-9);

        var later = SeriesWarnings.Detect("510104", MaternalMortality, [.. large, Rate(2024, 10, 500_000)], _ => [], 2020)
            .Where(x => x.Kind == WarningKind.Fluctuation).ToList();
        var again = Assert.Single(later, x => x.Year == 2023);
        Assert.Equal(judged.Message, again.Message);
    }

    [Fact]
    public void A_z_score_outlier_must_also_be_a_material_change()
    {
        // A smooth series: changes 0.10, 0.11, 0.10, 0.35 → |z| is huge but the last change is 0.6% of the figure.
        var smooth = Series((2020, 59.0), (2021, 59.1), (2022, 59.21), (2023, 59.31), (2024, 59.66));
        var watched = new WatchedSeries("510104", Screening, "", smooth, []);
        Assert.Empty(WarningDetector.Fluctuations([watched], 2024));
        var loose = new WarningOptions { MinPercentChangeForZScore = 0 };
        Assert.Single(WarningDetector.Fluctuations([watched], 2024, loose));
    }

    [Theory]
    [InlineData(6, 0, 0, 0, "insufficientData")]
    [InlineData(6, 2, 0, 0, "insufficientData")]
    [InlineData(6, 6, 6, 0, "achieved")]
    [InlineData(6, 5, 5, 0, "onTrack")]
    [InlineData(6, 6, 2, 2, "moderateProgress")]
    [InlineData(6, 6, 0, 3, "limitedProgress")]
    [InlineData(4, 2, 1, 1, "limitedProgress")]
    public void Qualitative_goals_are_rated_from_their_area_s_measure_reports(int measures, int reported, int completed, int behind, string rating) =>
        Assert.Equal(rating, QualitativeGoals.Judge(measures, reported, completed, behind).Rating);

    [Fact]
    public void Qualitative_goals_of_a_real_plan_take_the_latest_report_per_measure()
    {
        var data = PlanDataLoader.Load(PlanDataLoader.LocateDataDirectory());
        var plan = data.PlanOf("511725", PlanKind.Women)!;
        var area = plan.Areas.First(a => a.Goals.Any(g => QualitativeGoals.IsQualitative(g, data.Indicators)));
        var at = new DateTimeOffset(2025, 1, 10, 0, 0, 0, TimeSpan.Zero);
        var reports = area.Measures.SelectMany(m => new[]
        {
            new MeasureReport("women", area.Area, m.No, 2024, "delayed", "earlier", "health", "t", at),
            new MeasureReport("women", area.Area, m.No, 2024, "completed", "later", "health", "t", at.AddDays(1)),
        });
        var ratings = QualitativeGoals.Rate(plan, data.Indicators, reports, 2024).Where(r => r.Area == area.Area).ToList();
        Assert.NotEmpty(ratings);
        Assert.All(ratings, r => Assert.Equal(("achieved", area.Measures.Count), (r.Rating, r.Completed)));
    }

    [Fact]
    public void Demo_sub_groups_add_up_to_their_totals_exactly_and_nested_mortality_rates_nest()
    {
        var data = PlanDataLoader.Load(PlanDataLoader.LocateDataDirectory());
        var generator = new SyntheticFigures(data);
        foreach (var county in data.LeavesOf("511700"))
        {
            var rows = generator.ForCounty(county.Code, 2024);
            var figures = rows.Select(r => new ReportedFigure(county.Code, data.Indicators[r.Indicator], r.Year, r.Disaggregation, r.Numerator, r.Denominator, r.Value)).ToList();
            var rules = ValidationRuleSet.Load(PlanDataLoader.LocateDataDirectory(), data).Rules;
            var broken = WarningDetector.RuleViolations(figures, rules, 2024).ToList();
            Assert.True(broken.Count == 0, string.Join("\n", broken.Take(5).Select(b => $"{b.OrgUnit} {b.Indicator}: {b.Message}")));
        }
    }

    [Fact]
    public void The_cross_indicator_rules_load_from_data_and_a_bad_rule_is_named()
    {
        var data = PlanDataLoader.Load(PlanDataLoader.LocateDataDirectory());
        var rules = ValidationRuleSet.Load(PlanDataLoader.LocateDataDirectory(), data);
        Assert.Contains(rules.Rules, r => r.Id == "rule:neonatal-within-infant-mortality" && r.Operator == "<=");
        Assert.Equal(2, rules.Touching("neonatal-mortality-rate").Count());

        var dir = Directory.CreateTempSubdirectory("rules-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, ValidationRuleSet.FileName), """
                rules:
                  - id: a
                    left: { indicator: nope }
                    operator: "<="
                    right: { indicator: infant-mortality-rate, part: weight }
                """);
            var errors = Assert.Throws<DataValidationException>(() => ValidationRuleSet.Load(dir, data)).Errors;
            Assert.Equal(new[] { "left.indicator", "right.part" }, errors.Select(e => e.Field));
            Assert.All(errors, e => Assert.Equal("rule 1 (a)", e.Location));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
