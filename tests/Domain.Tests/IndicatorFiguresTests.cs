using OrleansPlans.Contracts;
using OrleansPlans.Counties;
using OrleansPlans.Domain.Evaluation;

namespace OrleansPlans.Domain.Tests;

/// <summary>The county's figures of one indicator: what a push changes, what is kept of the provenance, what is stored per year.</summary>
public sealed class IndicatorFiguresTests
{
    private static readonly PlanData Data = TestCatalogue.Create();
    private static readonly DateTimeOffset March = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset May = new(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private static DataValueRow Mmr(int year, string disaggregation, decimal numerator, decimal denominator) =>
        new(TestCatalogue.MaternalMortality.Code, year, disaggregation, numerator, denominator, null, "health");

    [Fact]
    public void A_push_reports_each_rows_outcome_the_replaced_figure_and_the_cells_to_send_up()
    {
        var figures = new IndicatorFigures("511725", TestCatalogue.MaternalMortality, Data);
        var first = Guid.NewGuid();
        var imported = figures.Apply(first, [Mmr(2023, "", 1, 5000), Mmr(2023, "area=rural", 1, 3000)], March);
        Assert.Equal([RowOutcome.Imported, RowOutcome.Imported], imported.Outcomes);
        Assert.Equal([true, true], imported.FromThisBatch);
        Assert.Equal(2, imported.Cells.Length);

        var second = Guid.NewGuid();
        var again = figures.Apply(second, [Mmr(2023, "", 1, 5000), Mmr(2023, "area=rural", 2, 3000)], May);
        Assert.Equal([RowOutcome.Unchanged, RowOutcome.Updated], again.Outcomes);
        Assert.Equal([false, true], again.FromThisBatch);   // the unchanged figure still comes from the first batch
        Assert.Equal(1m, again.Previous[1]!.Numerator);
        Assert.Null(again.Previous[0]);

        // A replay of the second batch (after a crash) changes nothing and recognises its own figures.
        var replay = figures.Apply(second, [Mmr(2023, "", 1, 5000), Mmr(2023, "area=rural", 2, 3000)], May);
        Assert.Equal([RowOutcome.Unchanged, RowOutcome.Unchanged], replay.Outcomes);
        Assert.Equal([false, true], replay.FromThisBatch);
    }

    [Fact]
    public void A_correction_keeps_the_first_report_time_so_an_on_time_report_stays_on_time()
    {
        var figures = new IndicatorFigures("511725", TestCatalogue.MaternalMortality, Data);
        figures.Apply(Guid.NewGuid(), [Mmr(2023, "", 1, 5000)], March);
        figures.Apply(Guid.NewGuid(), [Mmr(2023, "", 2, 5000)], May);
        var stored = figures.Find(2023, "")!;
        Assert.Equal((May, March), (stored.ReportedAt, stored.FirstReported));

        var (department, report) = Assert.Single(figures.Reports());
        Assert.Equal("health", department);
        Assert.Equal((2023, 1, May, (DateTimeOffset?)March), (report.Year, report.Values, report.LastReportedAt, report.FirstReportedAt));

        // A first report recorded elsewhere (a department grain before session 8) moves it earlier, never later.
        figures.ReportedFirstAt(2023, March.AddDays(-10));
        Assert.Equal(March.AddDays(-10), figures.Find(2023, "")!.FirstReported);
        figures.ReportedFirstAt(2023, May.AddDays(10));
        Assert.Equal(March.AddDays(-10), figures.Find(2023, "")!.FirstReported);

        figures.Apply(Guid.NewGuid(), [Mmr(2023, "area=rural", 1, 3000), Mmr(2022, "", 1, 4000)], May.AddDays(-20));
        // A year's first report is the earliest of its figures' (missing reports and timeliness are judged by it).
        Assert.Equal([(2023, March.AddDays(-10)), (2022, May.AddDays(-20))], figures.FirstReports(null).OrderByDescending(r => r.Year));
        Assert.Equal([(2022, May.AddDays(-20))], figures.FirstReports(new HashSet<int> { 2022 }));
    }

    [Fact]
    public void The_figures_of_a_year_are_what_its_row_stores_and_loading_them_back_gives_the_same_series()
    {
        var figures = new IndicatorFigures("511725", TestCatalogue.MaternalMortality, Data);
        figures.Apply(Guid.NewGuid(), [Mmr(2022, "", 2, 4000), Mmr(2023, "", 1, 5000), Mmr(2023, "area=rural", 1, 3000)], March);
        var year2023 = figures.FiguresOf(2023);
        Assert.Equal(["", "area=rural"], year2023.Keys.Order(StringComparer.Ordinal));

        var reloaded = new IndicatorFigures("511725", TestCatalogue.MaternalMortality, Data);
        foreach (var year in new[] { 2022, 2023 })
        {
            foreach (var (disaggregation, stored) in figures.FiguresOf(year))
            {
                reloaded.Load(year, disaggregation, stored);
            }
        }
        Assert.Equal(
            figures.Cells().OrderBy(c => c.Key.Year).ThenBy(c => c.Key.Disaggregation, StringComparer.Ordinal),
            reloaded.Cells().OrderBy(c => c.Key.Year).ThenBy(c => c.Key.Disaggregation, StringComparer.Ordinal));
        Assert.Equal(
            figures.Series().Series.SelectMany(s => s.Points).Select(p => (p.Year, p.Value, p.Status)),
            reloaded.Series().Series.SelectMany(s => s.Points).Select(p => (p.Year, p.Value, p.Status)));
    }

    [Fact]
    public void A_loaded_figure_is_stored_back_exactly_missing_parts_and_time_offsets_included()
    {
        // Held inline in a compact form since session 13: what goes back to the year row must be what was read.
        var beijing = TimeSpan.FromHours(8);
        StoredValue[] stored =
        [
            new(null, 12_000m, 2.5m, "health", new DateTimeOffset(2024, 3, 1, 9, 30, 15, beijing).AddTicks(7), Guid.NewGuid(), new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.FromHours(-5))),
            new(3m, 40_000m, null, "health", new DateTimeOffset(2024, 3, 2, 0, 0, 0, TimeSpan.Zero), Guid.NewGuid()),
            new(null, null, 0m, "statistics", new DateTimeOffset(2024, 3, 3, 0, 0, 0, beijing), Guid.Empty),
        ];
        var figures = new IndicatorFigures("511725", TestCatalogue.MaternalMortality, Data);
        figures.Load(2023, "", stored[0]);
        figures.Load(2023, "area=rural", stored[1]);
        figures.Load(2021, "", stored[2]);

        Assert.Equal(3, figures.Count);
        var back = figures.FiguresOf(2023);
        Assert.Equal(stored[0], back[""]);
        Assert.Equal(stored[1], back["area=rural"]);
        Assert.Equal(stored[2], figures.Find(2021, ""));
        Assert.Null(figures.Find(2022, ""));
        // Record equality compares instants only; the offsets must survive too.
        Assert.Equal((beijing, TimeSpan.FromHours(-5)), (back[""].ReportedAt.Offset, back[""].FirstReportedAt!.Value.Offset));
        Assert.Null(back["area=rural"].FirstReportedAt);
    }

    [Fact]
    public void Statuses_kept_current_push_by_push_equal_those_of_the_same_figures_loaded_afresh()
    {
        // A directional target ("increase" on the baseline year) and a bound with an earlier base year: a push of an
        // early year moves the statuses of later years of the same series, which must be re-judged and sent up.
        var data = TestCatalogue.Create(national:
        [
            new NationalTarget(TestCatalogue.Screening.Code, "increase", null, "%", 2030, null, null, false),
            new NationalTarget(TestCatalogue.MaternalMortality.Code, "<", null, "1/10万", 2030, 2020, -10m, false),
        ]);
        var random = new Random(20261204);
        string[] disaggregations = ["", "area=rural", "area=urban"];
        foreach (var indicator in new[] { TestCatalogue.Screening, TestCatalogue.MaternalMortality })
        {
            var figures = new IndicatorFigures("511725", indicator, data);
            var seen = new HashSet<StatusCounts>();
            for (var push = 0; push < 60; push++)
            {
                var before = figures.Cells().ToDictionary(c => c.Key);
                // One push: a few rows of one or two years, some of them repeating what is stored.
                var rows = Enumerable.Range(0, random.Next(1, 5))
                    .Select(_ => (Year: 2020 + random.Next(0, 5), Disaggregation: disaggregations[random.Next(disaggregations.Length)]))
                    .Distinct()
                    .Select(k => new DataValueRow(indicator.Code, k.Year, k.Disaggregation, random.Next(40, 60), 100, null, "health"))
                    .ToArray();
                var result = figures.Apply(Guid.NewGuid(), rows, March);

                var reloaded = new IndicatorFigures("511725", indicator, data);
                foreach (var (year, disaggregation, stored) in figures.Figures())
                {
                    reloaded.Load(year, disaggregation, stored);
                }
                var after = figures.Cells().ToDictionary(c => c.Key);
                Assert.Equal(reloaded.Cells().ToDictionary(c => c.Key), after);
                // Everything that moved is among the cells sent up.
                var sent = result.Cells.Select(c => c.Key).ToHashSet();
                foreach (var (key, cell) in after)
                {
                    if (!before.TryGetValue(key, out var old) || old != cell)
                    {
                        Assert.Contains(key, sent);
                    }
                }
                Assert.All(result.Cells, c => Assert.Equal(after[c.Key], c));
                seen.UnionWith(after.Values.Select(c => c.Statuses));
            }
            // The pushes exercised both outcomes of the target.
            Assert.Contains(StatusCounts.Of(TargetStatus.Met), seen);
            Assert.Contains(StatusCounts.Of(TargetStatus.NotMet), seen);
        }
    }

    [Fact]
    public void A_years_cells_are_those_of_every_year_filtered_in_the_same_order()
    {
        var figures = new IndicatorFigures("511725", TestCatalogue.MaternalMortality, Data);
        figures.Apply(Guid.NewGuid(), [Mmr(2022, "area=rural", 1, 3000), Mmr(2023, "", 2, 5000), Mmr(2021, "", 1, 4000)], March);
        figures.Apply(Guid.NewGuid(), [Mmr(2023, "area=urban", 1, 2000), Mmr(2023, "area=rural", 1, 3000), Mmr(2024, "", 3, 5000)], May);
        for (var year = 2020; year <= 2025; year++)
        {
            var cells = new List<RollupCell>();
            figures.AddCellsOf(year, cells);
            Assert.Equal(figures.Cells().Where(c => c.Key.Year == year), cells);
        }
        var of2023 = new List<RollupCell>();
        figures.AddCellsOf(2023, of2023);
        Assert.Equal(["", "area=rural", "area=urban"], of2023.Select(c => c.Key.Disaggregation).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_warnings_equal_a_full_detection_over_every_held_figure(int seed)
    {
        // The county's indicator builds the judgement's input from its series, materialising only what is read; the
        // answer must be what a detection over every figure it holds gives, through corrections of earlier years too.
        var random = new Random(seed);
        var options = WarningOptions.Default;
        string[] disaggregations = ["", "area=urban", "area=rural"];
        var seen = 0;
        foreach (var indicator in new[] { TestCatalogue.MaternalMortality, TestCatalogue.InfantMortality, TestCatalogue.Screening })
        {
            var figures = new IndicatorFigures("511725", indicator, Data);
            for (var step = 0; step < 60; step++)
            {
                var year = random.Next(2018, 2027);
                var rows = disaggregations.Where(_ => random.Next(3) > 0).Select(d =>
                {
                    var denominator = random.Next(1, 4) * 1_000m;
                    var numerator = random.Next(12) == 0 ? denominator + 1 : random.Next(0, 40);
                    return new DataValueRow(indicator.Code, year, d, numerator, denominator, null, "health");
                }).ToList();
                if (rows.Count == 0)
                {
                    continue;
                }
                figures.Apply(Guid.NewGuid(), rows, March);
                var held = figures.Figures()
                    .Select(f => new ReportedFigure("511725", indicator, f.Year, f.Disaggregation, f.Stored.Numerator, f.Stored.Denominator, f.Stored.Value, indicator.Department))
                    .ToList();
                var expected = SeriesWarnings.Detect("511725", indicator, held, d => Data.TargetsFor("511725", indicator.Code, d), Data.BaselineYear, options)
                    .Select(SeriesWarnings.ToDetected);
                Assert.Equal(Describe(expected), Describe(figures.Warnings(options)));
                seen += held.Count > 0 ? figures.Warnings(options).Length : 0;
            }
        }
        Assert.True(seen > 30, $"only {seen} warnings over the run");
    }

    private static List<string> Describe(IEnumerable<DetectedWarning> warnings) =>
        [.. warnings
            .Select(w => $"{w.Key}|{w.Message}|{w.Department}|{string.Join(",", w.Numbers.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => $"{n.Key}={n.Value:R}"))}")
            .Order(StringComparer.Ordinal)];
}
