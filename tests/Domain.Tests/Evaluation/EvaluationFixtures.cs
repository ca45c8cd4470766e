using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Tests.Evaluation;

/// <summary>Indicators and builders for the evaluation tests (kept here so the rules are tested independently of data/).</summary>
internal static class EvaluationFixtures
{
    /// <summary>Growth rates, ratios and projections are doubles: compared to 1e-6 unless a test says otherwise.</summary>
    public const double Tolerance = 1e-6;

    public static readonly IndicatorDefinition MaternalMortality = new("maternal-mortality-rate", "孕产妇死亡率", "Maternal mortality ratio", PlanKind.Women, "health",
        IndicatorKind.Rate, 100_000m, "1/10万", "孕产妇死亡数", "活产数", Direction.Lower, true, ["area"], [], "health", "test");

    public static readonly IndicatorDefinition Screening = new("cervical-cancer-screening-rate", "宫颈癌筛查率", "Cervical cancer screening rate", PlanKind.Women, "health",
        IndicatorKind.Percentage, 100m, "%", "筛查人数", "适龄妇女人数", Direction.Higher, true, ["area", "sex"], [], "health", "test");

    public static readonly IndicatorDefinition Homes = new("children-homes-count", "儿童之家数", "Children's homes", PlanKind.Children, "welfare",
        IndicatorKind.Count, 1m, "个", null, null, Direction.Higher, false, ["area"], [], "civil-affairs", "test");

    public static readonly IndicatorDefinition LifeExpectancy = new("female-life-expectancy", "妇女人均预期寿命", "Female life expectancy", PlanKind.Women, "health",
        IndicatorKind.Mean, 1m, "岁", "预期寿命", "人口数", Direction.Higher, false, ["area"], [], "health", "test");

    public static readonly IndicatorDefinition SexRatio = new("sex-ratio-at-birth", "出生人口性别比", "Sex ratio at birth", PlanKind.Children, "health",
        IndicatorKind.Mean, 1m, "", null, null, Direction.None, false, [], [], "health", "test");

    public static readonly IndicatorDefinition Qualitative = new("women-rights-awareness", "妇女权益意识", "Awareness of women's rights", PlanKind.Women, "law",
        IndicatorKind.Qualitative, 1m, "", null, null, Direction.Higher, false, [], [], "women-federation", "test");

    public static TargetView Target(string comparator, decimal? value, int year = 2030, bool approximate = false, int? baseYear = null, decimal? change = null) =>
        new(comparator, value, "x", year, approximate, baseYear, change, "test", null);

    public static Dictionary<int, decimal?> Series(params (int Year, double Value)[] points) =>
        points.ToDictionary(p => p.Year, p => (decimal?)(decimal)p.Value);

    public static void Near(double expected, double? actual, double tolerance = Tolerance)
    {
        Assert.NotNull(actual);
        Assert.True(Math.Abs(expected - actual!.Value) <= tolerance, $"expected {expected} ± {tolerance}, got {actual.Value}");
    }
}
