using OrleansPlans.Contracts;
using static OrleansPlans.Domain.Tests.TestCatalogue;

namespace OrleansPlans.Domain.Tests;

public class TargetEvaluationTests
{
    private static TargetView Target(string comparator, decimal? value, int year = 2030, bool approximate = false, int? baseYear = null, decimal? change = null) =>
        new(comparator, value, "x", year, approximate, baseYear, change, "test", null);

    private static Dictionary<int, decimal?> Series(params (int Year, decimal Value)[] points) => points.ToDictionary(p => p.Year, p => (decimal?)p.Value);

    [Theory]
    [InlineData("<", 12, 11.9, TargetStatus.Met)]
    [InlineData("<", 12, 12, TargetStatus.NotMet)]
    [InlineData("<=", 12, 12, TargetStatus.Met)]
    [InlineData(">=", 70, 69.99, TargetStatus.NotMet)]
    [InlineData(">=", 70, 70, TargetStatus.Met)]
    [InlineData(">", 70, 70, TargetStatus.NotMet)]
    [InlineData("=", 45, 43, TargetStatus.Met)]      // ±5%: 42.75–47.25
    [InlineData("=", 45, 42, TargetStatus.NotMet)]
    public void Numeric_comparators(string comparator, double target, double value, TargetStatus expected)
    {
        var status = TargetEvaluation.Evaluate(MaternalMortality, [Target(comparator, (decimal)target)], Series((2023, (decimal)value)), 2023, 2020);
        Assert.Equal(expected, status);
    }

    [Fact]
    public void Approximate_targets_allow_five_percent()
    {
        // 城镇单位就业人员中的女性比例达到40%左右: 38.5 is within 5% of 40.
        Assert.Equal(TargetStatus.Met, TargetEvaluation.Evaluate(Screening, [Target(">=", 40, approximate: true)], Series((2023, 38.5m)), 2023, 2020));
        Assert.Equal(TargetStatus.NotMet, TargetEvaluation.Evaluate(Screening, [Target(">=", 40, approximate: false)], Series((2023, 38.5m)), 2023, 2020));
    }

    [Fact]
    public void Base_year_relative_target_uses_the_base_value()
    {
        // 儿童伤害死亡率以2020年为基数下降20%: 2020 = 20 → bound 16.
        var target = Target("<=", null, baseYear: 2020, change: -20);
        Assert.Equal(TargetStatus.Met, TargetEvaluation.Evaluate(MaternalMortality, [target], Series((2020, 20m), (2024, 15.9m)), 2024, 2020));
        Assert.Equal(TargetStatus.NotMet, TargetEvaluation.Evaluate(MaternalMortality, [target], Series((2020, 20m), (2024, 16.1m)), 2024, 2020));
        Assert.Equal(TargetStatus.NoData, TargetEvaluation.Evaluate(MaternalMortality, [target], Series((2024, 10m)), 2024, 2020));
    }

    [Fact]
    public void Directional_targets_compare_with_the_baseline_year()
    {
        var increase = Target("increase", null);
        Assert.Equal(TargetStatus.Met, TargetEvaluation.Evaluate(Screening, [increase], Series((2020, 50m), (2023, 51m)), 2023, 2020));
        Assert.Equal(TargetStatus.NotMet, TargetEvaluation.Evaluate(Screening, [increase], Series((2020, 50m), (2023, 50m)), 2023, 2020));
        // No baseline at all: cannot judge.
        Assert.Equal(TargetStatus.NoData, TargetEvaluation.Evaluate(Screening, [increase], Series((2023, 51m)), 2023, 2020));
        // Baseline year missing: the earliest earlier year stands in.
        Assert.Equal(TargetStatus.Met, TargetEvaluation.Evaluate(Screening, [Target("decrease", null)], Series((2021, 50m), (2023, 40m)), 2023, 2020));
    }

    [Fact]
    public void Two_year_targets_rate_each_year_against_the_right_one()
    {
        // 曾都区: 孕产妇死亡率分别控制到万分之一以下(2025)和十万分之九以下(2030) → 10 and 9 per 100,000.
        TargetView[] targets = [Target("<", 10, 2025), Target("<", 9, 2030)];
        Assert.Equal(2025, TargetEvaluation.ApplicableTarget(targets, 2023)!.Year);
        Assert.Equal(2030, TargetEvaluation.ApplicableTarget(targets, 2026)!.Year);
        Assert.Equal(2030, TargetEvaluation.ApplicableTarget(targets, 2031)!.Year);
        Assert.Equal(TargetStatus.Met, TargetEvaluation.Evaluate(MaternalMortality, targets, Series((2024, 9.5m)), 2024, 2020));
        Assert.Equal(TargetStatus.NotMet, TargetEvaluation.Evaluate(MaternalMortality, targets, Series((2027, 9.5m)), 2027, 2020));
    }

    [Fact]
    public void No_value_is_no_data_and_no_target_is_no_target()
    {
        Assert.Equal(TargetStatus.NoData, TargetEvaluation.Evaluate(Screening, [Target(">=", 70)], Series(), 2023, 2020));
        Assert.Equal(TargetStatus.NoTarget, TargetEvaluation.Evaluate(Screening, [], Series((2023, 1m)), 2023, 2020));
        Assert.Equal(TargetStatus.NoTarget, TargetEvaluation.Evaluate(Screening, [Target("qualitative", null)], Series((2023, 1m)), 2023, 2020));
    }

    [Fact]
    public void Plan_targets_win_over_national_defaults_and_units_are_converted()
    {
        var plan = new Plan("511725", PlanKind.Women, "渠县妇女发展纲要", new PlanPeriod(2021, 2030), null, null, null, [], new Dictionary<string, string>(),
            [new PlanArea("health", "妇女与健康", [new PlanGoal(2, "孕产妇死亡率控制在万分之一以下", [
                new PlanTarget("maternal-mortality-rate", null, "<=", 1m, "1/万", 2025, false, null, null, null, new Dictionary<string, string>(), null)])], [])],
            "test");
        var data = TestCatalogue.Create([plan]);

        var own = Assert.Single(data.TargetsFor("511725", "maternal-mortality-rate", ""));
        Assert.Equal(10m, own.Value);
        Assert.Equal(2025, own.Year);
        var national = Assert.Single(data.TargetsFor("511702", "maternal-mortality-rate", ""));
        Assert.Equal(12m, national.Value);
        Assert.Empty(data.TargetsFor("511702", "maternal-mortality-rate", "area=rural"));
    }
}
