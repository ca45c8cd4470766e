using OrleansPlans.Domain.Loading;

namespace OrleansPlans.Domain.Tests;

/// <summary>The transcribed plans against the documents: goals per area and sample numeric targets as written.</summary>
public sealed class TranscriptionTests
{
    private static readonly Lazy<PlanData> Data = new(() => PlanDataLoader.Load(PlanDataLoader.LocateDataDirectory()));

    // Goals per area in document order (women: health, education, economy, decision-making, social-security, family,
    // environment, law; children: health, safety, education, welfare, family, environment, law), counted in the seeds.
    [Theory]
    [InlineData("140881", PlanKind.Women, new[] { 10, 10, 9, 9, 9, 9, 10, 9 })]
    [InlineData("140881", PlanKind.Children, new[] { 12, 11, 9, 10, 7, 10, 11 })]
    [InlineData("220882", PlanKind.Women, new[] { 9, 7, 9, 10, 9, 9, 8, 9 })]
    [InlineData("220882", PlanKind.Children, new[] { 12, 10, 9, 10, 8, 8, 10 })]
    [InlineData("410104", PlanKind.Women, new[] { 10, 10, 8, 10, 9, 9, 10, 8 })]
    [InlineData("410104", PlanKind.Children, new[] { 12, 10, 10, 11, 8, 10, 10 })]
    [InlineData("421303", PlanKind.Women, new[] { 11, 8, 10, 11, 9, 8, 11, 10 })]
    [InlineData("421303", PlanKind.Children, new[] { 13, 8, 9, 10, 8, 9, 10 })]
    [InlineData("511725", PlanKind.Women, new[] { 10, 9, 9, 10, 6, 9, 9, 9 })]
    [InlineData("511725", PlanKind.Children, new[] { 12, 14, 10, 12, 8, 10, 10 })]
    public void Goals_per_area_match_the_document(string county, PlanKind kind, int[] goals)
    {
        var plan = Data.Value.PlanOf(county, kind)!;
        Assert.Equal(goals, plan.Areas.Select(a => a.Goals.Count).ToArray());
        Assert.All(plan.Areas, a => Assert.Equal(Enumerable.Range(1, a.Goals.Count), a.Goals.Select(g => g.No)));
    }

    [Fact]
    public void The_ten_plans_hold_about_720_goals() =>
        Assert.InRange(Data.Value.Plans.Sum(p => p.Areas.Sum(a => a.Goals.Count)), 700, 740);

    // County, plan, area, goal, indicator, comparator, value, unit, year — as the document states them.
    [Theory]
    [InlineData("140881", PlanKind.Women, "health", 2, "maternal-mortality-rate", "<=", 12.5, "1/10万", 2025)]      // 下降到12.5/10万以内
    [InlineData("140881", PlanKind.Children, "health", 3, "neonatal-mortality-rate", "<=", 3.2, "‰", 2025)]          // 分别控制在3.2‰、5.3‰和6.5‰以下
    [InlineData("140881", PlanKind.Children, "health", 3, "infant-mortality-rate", "<=", 5.3, "‰", 2025)]
    [InlineData("140881", PlanKind.Children, "health", 3, "under5-mortality-rate", "<=", 6.5, "‰", 2025)]
    [InlineData("220882", PlanKind.Women, "health", 2, "maternal-mortality-rate", "<=", 12, "1/10万", 2030)]       // 控制在12/10万以下
    [InlineData("220882", PlanKind.Women, "health", 3, "cervical-cancer-screening-rate", ">=", 70, "%", 2030)]      // 达到70%以上
    [InlineData("220882", PlanKind.Children, "health", 3, "neonatal-mortality-rate", "<", 3, "‰", 2030)]           // 下降到3‰以下
    [InlineData("220882", PlanKind.Children, "health", 3, "infant-mortality-rate", "<", 4, "‰", 2030)]
    [InlineData("220882", PlanKind.Children, "health", 3, "under5-mortality-rate", "<", 5, "‰", 2030)]
    [InlineData("410104", PlanKind.Women, "health", 2, "maternal-mortality-rate", "<", 9, "1/10万", 2030)]         // 下降到9/10万以下
    [InlineData("410104", PlanKind.Children, "health", 3, "infant-mortality-rate", "<=", 3.0, "‰", 2030)]
    [InlineData("421303", PlanKind.Women, "health", 2, "prenatal-screening-rate", ">=", 80, "%", 2025)]             // 到2025年和2030年分别达80%以上和82%以上
    [InlineData("421303", PlanKind.Women, "health", 2, "prenatal-screening-rate", ">=", 82, "%", 2030)]
    [InlineData("421303", PlanKind.Women, "health", 2, "maternal-mortality-rate", "<=", 1, "1/万", 2025)]           // 万分之一以下
    [InlineData("421303", PlanKind.Women, "health", 2, "maternal-mortality-rate", "<=", 9, "1/10万", 2030)]         // 十万分之九以下
    [InlineData("511725", PlanKind.Women, "health", 2, "maternal-mortality-rate", "<", 12, "1/10万", 2030)]        // 下降到12/10万以下
    [InlineData("511725", PlanKind.Women, "health", 3, "cervical-cancer-screening-rate", ">=", 70, "%", 2030)]
    [InlineData("511725", PlanKind.Children, "health", 3, "neonatal-mortality-rate", "<=", 3.0, "‰", 2030)]
    [InlineData("511725", PlanKind.Children, "health", 3, "under5-mortality-rate", "<=", 6.0, "‰", 2030)]
    public void Numeric_targets_are_as_written(string county, PlanKind kind, string area, int goal, string indicator, string comparator, double value, string unit, int year)
    {
        var targets = Data.Value.PlanOf(county, kind)!.Areas.Single(a => a.Area == area).Goals.Single(g => g.No == goal).Targets;
        Assert.Contains(targets, t => t.Indicator == indicator && t.Comparator == comparator && t.Value == (decimal)value && (t.Unit ?? Data.Value.Indicators[indicator].Unit) == unit && t.Year == year);
    }

    [Fact]
    public void Relative_approximate_and_reference_targets_are_represented()
    {
        var all = Data.Value.Plans.SelectMany(p => p.AllTargets).ToArray();
        Assert.Contains(all, t => t is { BaseYear: 2020, ChangePercent: -20m } && t.Indicator == "child-injury-mortality-rate"); // 以2020年为基数下降20%
        Assert.Contains(all, t => t.Approximate && t.Indicator == "women-share-of-employed" && t.Value == 45m);                 // 保持在45%左右
        Assert.Contains(all, t => t.ReferenceIndicator == "female-share-of-party-members");                                      // 不低于本地区党员总数中女性比例
        Assert.Contains(all, t => t.Comparator == "increase");
        Assert.Contains(all, t => t.Comparator == "qualitative");
    }

    [Fact]
    public void Da_an_task_lists_name_departments_for_every_measure()
    {
        foreach (var kind in new[] { PlanKind.Women, PlanKind.Children })
        {
            var plan = Data.Value.PlanOf("220882", kind)!;
            Assert.All(plan.Areas.SelectMany(a => a.Measures), m => Assert.NotEmpty(m.Lead));
            Assert.All(plan.Areas.SelectMany(a => a.Measures).SelectMany(m => m.Lead.Concat(m.Cooperating)), name => Assert.True(plan.Departments.ContainsKey(name), name));
        }
    }
}

/// <summary>Every numeric target's quoted phrase is in its source document and contains the number recorded.</summary>
public sealed class SourceFidelityTests
{
    private static readonly Lazy<PlanData> Data = new(() => PlanDataLoader.Load(PlanDataLoader.LocateDataDirectory()));

    private static string SeedsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "sources");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("data/sources (the source documents) not found above the test binaries");
    }

    private static string Squash(string s) => new([.. s.Where(c => !char.IsWhiteSpace(c))]);

    [Fact]
    public void Numeric_target_phrases_are_verbatim_in_the_seed_and_carry_the_value()
    {
        var seeds = SeedsDirectory();
        var checkedTargets = 0;
        foreach (var plan in Data.Value.Plans)
        {
            var source = Squash(File.ReadAllText(Path.Combine(seeds, plan.Source!)));
            foreach (var target in plan.AllTargets.Where(t => t.Value is not null && t.Text is not null))
            {
                var text = Squash(target.Text!);
                Assert.True(source.Contains(text, StringComparison.Ordinal), $"{plan.File}: '{target.Text}' is not in {plan.Source}");
                var number = target.Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var chinese = target.Value switch { 1m => "一", 9m => "九", _ => number };
                // "每所…至少配备1名" and "全覆盖" are catalogued as the share of units meeting the rule, with a 100% target.
                var shareOfUnits = target.Value == 100m && new[] { "至少", "全覆盖", "每", "所有", "全部", "均" }.Any(w => text.Contains(w, StringComparison.Ordinal));
                Assert.True(shareOfUnits || text.Contains(number, StringComparison.Ordinal) || text.Contains(chinese, StringComparison.Ordinal),
                    $"{plan.File}: value {number} is not in '{target.Text}'");
                checkedTargets++;
            }
        }
        Assert.True(checkedTargets > 200, $"only {checkedTargets} numeric targets carry their phrase");
    }
}
