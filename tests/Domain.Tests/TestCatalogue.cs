using OrleansPlans.Domain;

namespace OrleansPlans.Domain.Tests;

/// <summary>A small, hand-made catalogue and division tree so the pure rules are tested independently of data/.</summary>
internal static class TestCatalogue
{
    public static readonly IndicatorDefinition MaternalMortality = new("maternal-mortality-rate", "孕产妇死亡率", "Maternal mortality ratio", PlanKind.Women, "health",
        IndicatorKind.Rate, 100_000m, "1/10万", "孕产妇死亡数", "活产数", Direction.Lower, true, ["area"], [], "health", "test");

    public static readonly IndicatorDefinition Screening = new("cervical-cancer-screening-rate", "宫颈癌筛查率", "Cervical cancer screening rate", PlanKind.Women, "health",
        IndicatorKind.Percentage, 100m, "%", "筛查人数", "适龄妇女人数", Direction.Higher, true, ["area"], [], "health", "test");

    public static readonly IndicatorDefinition Homes = new("children-homes-count", "儿童之家数", "Children's homes", PlanKind.Children, "welfare",
        IndicatorKind.Count, 1m, "个", null, null, Direction.Higher, false, [], [], "civil-affairs", "test");

    public static readonly IndicatorDefinition LifeExpectancy = new("female-life-expectancy", "妇女人均预期寿命", "Female life expectancy", PlanKind.Women, "health",
        IndicatorKind.Mean, 1m, "岁", "预期寿命", "人口数", Direction.Higher, false, [], [], "health", "test");

    public static readonly IndicatorDefinition InfantMortality = new("infant-mortality-rate", "婴儿死亡率", "Infant mortality rate", PlanKind.Children, "health",
        IndicatorKind.Rate, 1000m, "‰", "婴儿死亡数", "活产数", Direction.Lower, true, ["area", "sex"], [], "health", "test");

    public static PlanData Create(IEnumerable<Plan>? plans = null, IEnumerable<NationalTarget>? national = null) => new(
        [MaternalMortality, Screening, Homes, LifeExpectancy, InfantMortality],
        [new Department("health", "卫生健康局", "Health", ["卫健局", "卫生健康局", "卫健委"]), new Department("civil-affairs", "民政局", "Civil affairs", ["民政局"])],
        [
            new OrgUnit("510000", "四川省", OrgUnitLevel.Province, null),
            new OrgUnit("511700", "达州市", OrgUnitLevel.Prefecture, "510000"),
            new OrgUnit("511725", "渠县", OrgUnitLevel.County, "511700"),
            new OrgUnit("511702", "通川区", OrgUnitLevel.County, "511700"),
            new OrgUnit("140000", "山西省", OrgUnitLevel.Province, null),
            new OrgUnit("140800", "运城市", OrgUnitLevel.Prefecture, "140000"),
            new OrgUnit("140881", "永济市", OrgUnitLevel.County, "140800"),
        ],
        plans ?? [],
        national ?? [new NationalTarget("maternal-mortality-rate", "<", 12m, "1/10万", 2030, null, null, false)]);
}
