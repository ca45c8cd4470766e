using OrleansPlans.Domain.Loading;

namespace OrleansPlans.Domain.Tests;

public sealed class PlanDataLoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "plans-loader-" + Guid.NewGuid().ToString("N"));

    public PlanDataLoaderTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "indicators"));
        Directory.CreateDirectory(Path.Combine(_dir, "plans"));
        Directory.CreateDirectory(Path.Combine(_dir, "divisions"));
        File.WriteAllText(Path.Combine(_dir, "departments.yaml"), """
            departments:
              - { code: health, nameZh: 卫生健康局, nameEn: Health, aliases: [卫健局, 卫生健康局] }
            """);
        File.WriteAllText(Path.Combine(_dir, "divisions", "divisions.csv"), """
            code,name,level,parent
            510000,四川省,province,
            511700,达州市,prefecture,510000
            511725,渠县,county,511700
            440000,广东省,province,
            441900,东莞市,prefecture,440000

            """);
        File.WriteAllText(Path.Combine(_dir, "indicators", "core.yaml"), """
            indicators:
              - code: maternal-mortality-rate
                nameZh: 孕产妇死亡率
                nameEn: Maternal mortality ratio
                plan: women
                area: health
                kind: rate
                factor: 100000
                unit: 1/10万
                numerator: 孕产妇死亡数
                denominator: 活产数
                direction: lower
                numeratorWithinDenominator: true
                disaggregations: [area]
                department: health
            """);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void WritePlan(string goals, string county = "511725") => File.WriteAllText(Path.Combine(_dir, "plans", $"{county}-women.yaml"), $"""
        county: "{county}"
        plan: women
        title: 渠县妇女发展纲要（2021—2030年）
        period: {"{"} start: 2021, end: 2030 {"}"}
        departments:
          县卫生健康局: health
        areas:
          - area: health
            nameZh: 妇女与健康
            goals:
        {goals}
            measures:
              - no: 1
                title: 健全保障妇女健康的制度机制
                lead: [县卫生健康局]
                cooperating: []
        """);

    [Fact]
    public void A_valid_plan_loads_with_its_targets()
    {
        WritePlan("""
                  - no: 1
                    text: 孕产妇死亡率控制在万分之一以下。
                    targets:
                      - { indicator: maternal-mortality-rate, comparator: "<=", value: 1, unit: 1/万, year: 2025 }
            """);
        var data = PlanDataLoader.Load(_dir);
        var plan = Assert.Single(data.Plans);
        Assert.Equal("渠县妇女发展纲要（2021—2030年）", plan.Title);
        Assert.Equal(10m, Assert.Single(data.TargetsFor("511725", "maternal-mortality-rate", "")).Value);
    }

    [Theory]
    [InlineData("441900", true)]   // 东莞市: a city without county rows reports, and adopts plans, as its own county-level unit
    [InlineData("511700", false)]  // 达州市 has counties: their plans, not the city's, are monitored here
    [InlineData("510000", false)]
    public void A_plan_belongs_to_a_county_level_unit_or_a_city_without_counties(string code, bool accepted)
    {
        WritePlan("""
                  - no: 1
                    text: 孕产妇死亡率控制在12/10万以下。
                    targets:
                      - { indicator: maternal-mortality-rate, comparator: "<", value: 12 }
            """, code);
        if (accepted)
        {
            var data = PlanDataLoader.Load(_dir);
            Assert.Equal(code, Assert.Single(data.Plans).County);
            Assert.Equal(12m, Assert.Single(data.TargetsFor(code, "maternal-mortality-rate", "")).Value);
            Assert.Equal(OrgUnitLevel.County, data.ReportingUnit(code)!.Level);
            return;
        }
        var error = Assert.Single(Assert.Throws<DataValidationException>(() => PlanDataLoader.Load(_dir)).Errors);
        Assert.Equal(("county", $"'{code}' is not a county-level unit in data/divisions/divisions.csv"), (error.Field, error.Message));
    }

    [Theory]
    [InlineData("{ indicator: no-such-code, comparator: \"<\", value: 1 }", "indicator", "unknown indicator code")]
    [InlineData("{ indicator: maternal-mortality-rate, comparator: \"≤\", value: 12 }", "comparator", "is not one of")]
    [InlineData("{ indicator: maternal-mortality-rate, comparator: \"<\", value: 12, year: 2035 }", "year", "outside the plan period")]
    [InlineData("{ indicator: maternal-mortality-rate, comparator: \"<\", value: 12, unit: 岁 }", "unit", "does not match")]
    [InlineData("{ indicator: maternal-mortality-rate, comparator: \"<\" }", "value", "needs exactly one of")]
    public void Errors_name_the_file_plan_goal_and_field(string target, string field, string message)
    {
        WritePlan($"""
                  - no: 2
                    text: 孕产妇死亡率控制在12/10万以下。
                    targets:
                      - {target}
            """);
        var error = Assert.Single(Assert.Throws<DataValidationException>(() => PlanDataLoader.Load(_dir)).Errors);
        Assert.Equal("data/plans/511725-women.yaml", error.File);
        Assert.Equal("511725-women", error.Plan);
        Assert.Equal("area health goal 2 target 1", error.Location);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Duplicate_goal_numbers_are_reported()
    {
        WritePlan("""
                  - { no: 3, text: 甲。, targets: [] }
                  - { no: 3, text: 乙。, targets: [] }
            """);
        var error = Assert.Single(Assert.Throws<DataValidationException>(() => PlanDataLoader.Load(_dir)).Errors);
        Assert.Equal(("area health goal 3", "no"), (error.Location, error.Field));
        Assert.Contains("duplicate goal number 3", error.ToString());
    }

    [Fact]
    public void Unknown_fields_and_bad_yaml_are_reported_with_a_line()
    {
        File.WriteAllText(Path.Combine(_dir, "plans", "511725-women.yaml"), "county: \"511725\"\nplna: women\n");
        var error = Assert.Single(Assert.Throws<DataValidationException>(() => PlanDataLoader.Load(_dir)).Errors);
        Assert.Equal("(yaml)", error.Field);
        Assert.Contains("line 2", error.Location);
    }

    [Fact]
    public void Measure_departments_must_be_known()
    {
        File.WriteAllText(Path.Combine(_dir, "plans", "511725-women.yaml"), """
            county: "511725"
            plan: women
            title: t
            period: { start: 2021, end: 2030 }
            areas:
              - area: health
                goals: []
                measures:
                  - { no: 1, title: 措施, lead: [县外星局], cooperating: [] }
            """);
        var error = Assert.Single(Assert.Throws<DataValidationException>(() => PlanDataLoader.Load(_dir)).Errors);
        Assert.Equal("area health measure 1", error.Location);
        Assert.Contains("县外星局", error.Message);
    }
}
