using OrleansPlans.Domain.Loading;

namespace OrleansPlans.Domain.Tests;

/// <summary>The shipped data/ directory loads without a single error and has the shape the documents have.</summary>
public sealed class RealDataTests
{
    private static readonly Lazy<PlanData> Data = new(() => PlanDataLoader.Load(PlanDataLoader.LocateDataDirectory()));

    [Fact]
    public void The_data_files_load_and_validate() => Assert.NotEmpty(Data.Value.Indicators);

    [Fact]
    public void Divisions_cover_china()
    {
        var units = Data.Value.OrgUnits.Values;
        Assert.Equal(31, units.Count(u => u.Level == OrgUnitLevel.Province));
        Assert.Equal(21, Data.Value.ChildrenOf("510000").Count);
        Assert.Equal(183, Data.Value.LeavesOf("510000").Count());
        foreach (var (county, city, province) in new[] { ("140881", "140800", "140000"), ("220882", "220800", "220000"), ("511725", "511700", "510000"), ("421303", "421300", "420000"), ("410104", "410100", "410000") })
        {
            Assert.Equal([county, city, province], Data.Value.ChainOf(county).Select(u => u.Code).ToArray());
        }
    }

    [Fact]
    public void All_2854_county_level_units_report_including_the_cities_without_counties()
    {
        var data = Data.Value;
        Assert.Equal(2854, data.ReportingUnits.Count());
        Assert.Equal(2854, data.OrgUnits.Values.Where(u => u.Level == OrgUnitLevel.Province).Sum(p => data.LeavesOf(p.Code).Count()));
        foreach (var (city, name, province) in new[] { ("441900", "东莞市", "440000"), ("442000", "中山市", "440000"), ("460400", "儋州市", "460000") })
        {
            // The division stays the prefecture-level city under its province…
            Assert.Equal(new OrgUnit(city, name, OrgUnitLevel.Prefecture, province), data.OrgUnit(city));
            Assert.Contains(data.ChildrenOf(province), u => u.Code == city && u.Level == OrgUnitLevel.Prefecture);
            // …and reports as its only county-level unit, of the same code, under the city roll-up.
            var reporting = data.ReportingUnit(city)!;
            Assert.Equal(new OrgUnit(city, name, OrgUnitLevel.County, city) { StandsForCity = true }, reporting);
            Assert.Equal([reporting], data.ChildrenOf(city).ToArray());
            Assert.Equal([reporting], data.LeavesOf(city).ToArray());
            Assert.Contains(reporting, data.LeavesOf(province));
            Assert.Same(reporting, data.ViewedUnit(city));
        }
        // An ordinary city and county are what they were.
        Assert.Null(data.ReportingUnit("511700"));
        Assert.Equal(OrgUnitLevel.Prefecture, data.ViewedUnit("511700")!.Level);
        Assert.False(data.ReportingUnit("511725")!.StandsForCity);
        Assert.Same(data.OrgUnit("511725"), data.ReportingUnit("511725"));
        // 广东省: 21 prefecture-level cities; 122 county-level divisions + 东莞市 and 中山市 = 124 reporting units.
        Assert.Equal(21, data.ChildrenOf("440000").Count);
        Assert.Equal(124, data.LeavesOf("440000").Count());
    }

    [Theory]
    [InlineData("140881", PlanKind.Women, 2025)]
    [InlineData("140881", PlanKind.Children, 2025)]
    [InlineData("220882", PlanKind.Women, 2030)]
    [InlineData("220882", PlanKind.Children, 2030)]
    [InlineData("511725", PlanKind.Women, 2030)]
    [InlineData("511725", PlanKind.Children, 2030)]
    [InlineData("421303", PlanKind.Women, 2030)]
    [InlineData("421303", PlanKind.Children, 2030)]
    [InlineData("410104", PlanKind.Women, 2030)]
    [InlineData("410104", PlanKind.Children, 2030)]
    public void Every_seed_plan_is_present_with_all_its_areas(string county, PlanKind kind, int end)
    {
        var plan = Data.Value.PlanOf(county, kind);
        Assert.NotNull(plan);
        Assert.Equal(end, plan.Period.End);
        Assert.Equal(PlanAreas.Of(kind).Select(a => a.Code), plan.Areas.Select(a => a.Area));
        Assert.All(plan.Areas, a => Assert.NotEmpty(a.Goals));
    }

    [Fact]
    public void Every_numeric_target_points_to_a_catalogue_indicator()
    {
        foreach (var target in Data.Value.Plans.SelectMany(p => p.AllTargets))
        {
            if (target.Comparator is "<" or "<=" or ">" or ">=" or "=")
            {
                Assert.True(target.Indicator is not null && Data.Value.Indicators.ContainsKey(target.Indicator), target.Text);
            }
            else
            {
                Assert.True(target.Indicator is not null || target.Subject is not null, target.Text);
            }
        }
    }
}
