using OrleansPlans.Domain.Evaluation;
using static OrleansPlans.Domain.Tests.Evaluation.EvaluationFixtures;

namespace OrleansPlans.Domain.Tests.Evaluation;

/// <summary>Completeness and timeliness counted per county and summed up the tree (percentages within 1e-9).</summary>
public class CompletenessTests
{
    // Province P → city C1 (counties K1, K2), city C2 (county K3).
    private static readonly Dictionary<string, string?> Parents = new()
    {
        ["P"] = null, ["C1"] = "P", ["C2"] = "P", ["K1"] = "C1", ["K2"] = "C1", ["K3"] = "C2",
    };

    private static string? ParentOf(string code) => Parents.GetValueOrDefault(code);

    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);
    private static readonly DateTimeOffset OnTime = new(2025, 3, 1, 10, 0, 0, Cst);
    private static readonly DateTimeOffset Late = new(2025, 4, 2, 10, 0, 0, Cst);
    private static readonly DateTimeOffset AfterDeadline = new(2025, 5, 1, 0, 0, 0, Cst);

    private static readonly ExpectedCell[] Expected =
    [
        new("K1", "mmr", 2024, "health"), new("K1", "homes", 2024, "civil-affairs"),
        new("K2", "mmr", 2024, "health"), new("K2", "homes", 2024, "civil-affairs"),
        new("K3", "mmr", 2024, "health"), new("K3", "imr", 2024, "health"), new("K3", "screening", 2024, "health"), new("K3", "homes", 2024, "civil-affairs"),
    ];

    private static readonly CellReport[] Reports =
    [
        new("K1", "mmr", 2024, OnTime), new("K1", "homes", 2024, Late),
        new("K2", "mmr", 2024, OnTime),
        new("K3", "homes", 2024, OnTime),
    ];

    [Fact]
    public void Counts_per_county_and_sums_up_the_tree()
    {
        var report = Completeness.Compute(Expected, Reports, ParentOf, AfterDeadline);

        // K1: 2 expected, both reported (1 on time, 1 late) → 100% complete, 50% on time.
        var k1 = report.Of("K1", 2024);
        Assert.Equal(new CompletenessCounts(2, 2, 1, 1, 0, 0), k1);
        Near(100, k1.ReportedPercent, 1e-9);
        Near(50, k1.OnTimePercent, 1e-9);
        Near(50, k1.LatePercent, 1e-9);
        // K2: 2 expected, 1 on time, 1 missing → 50%.
        Assert.Equal(new CompletenessCounts(2, 1, 1, 0, 1, 0), report.Of("K2", 2024));
        // K3: 4 expected, 1 on time, 3 missing → 25%.
        Assert.Equal(new CompletenessCounts(4, 1, 1, 0, 3, 0), report.Of("K3", 2024));
        // C1 = K1 + K2: 4 expected, 3 reported (2 on time, 1 late), 1 missing → 75%.
        var c1 = report.Of("C1", 2024);
        Assert.Equal(new CompletenessCounts(4, 3, 2, 1, 1, 0), c1);
        Near(75, c1.ReportedPercent, 1e-9);
        // Province: 8 expected, 4 reported → 50% (sum of counts; the mean of county percentages would be (100 + 50 + 25)/3 = 58.3%).
        var p = report.Of("P", 2024);
        Assert.Equal(new CompletenessCounts(8, 4, 3, 1, 4, 0), p);
        Near(50, p.ReportedPercent, 1e-9);
        Near(37.5, p.OnTimePercent, 1e-9); // 3/8
    }

    [Fact]
    public void Counts_per_department()
    {
        var report = Completeness.Compute(Expected, Reports, ParentOf, AfterDeadline);
        // Health at the province: 5 expected (K1 mmr, K2 mmr, K3 mmr/imr/screening), 2 reported on time.
        Assert.Equal(new CompletenessCounts(5, 2, 2, 0, 3, 0), report.Of("P", 2024, "health"));
        // Civil affairs at C1: K1 homes late, K2 homes missing.
        Assert.Equal(new CompletenessCounts(2, 1, 0, 1, 1, 0), report.Of("C1", 2024, "civil-affairs"));
        Assert.Equal(CompletenessCounts.Zero, report.Of("C2", 2024, "education"));
        Assert.Null(CompletenessCounts.Zero.ReportedPercent);
    }

    [Fact]
    public void Before_the_deadline_unreported_cells_are_pending_not_missing()
    {
        var now = new DateTimeOffset(2025, 3, 15, 0, 0, 0, Cst);
        var report = Completeness.Compute(Expected, Reports.Where(r => r.ReportedAt <= now), ParentOf, now);
        // Three on-time reports so far (K1 mmr, K2 mmr, K3 homes); the other five are pending until 31 March.
        Assert.Equal(new CompletenessCounts(8, 3, 3, 0, 0, 5), report.Of("P", 2024));
    }

    [Fact]
    public void Earliest_report_decides_and_unexpected_or_duplicate_cells_do_not_count()
    {
        ExpectedCell[] expected = [new("K1", "mmr", 2024), new("K1", "mmr", 2024)];
        CellReport[] reports =
        [
            new("K1", "mmr", 2024, Late), new("K1", "mmr", 2024, OnTime), // a correction after an on-time report
            new("K1", "unexpected", 2024, OnTime), new("K2", "mmr", 2024, OnTime),
        ];
        var report = Completeness.Compute(expected, reports, ParentOf, AfterDeadline);
        Assert.Equal(new CompletenessCounts(1, 1, 1, 0, 0, 0), report.Of("K1", 2024));
        Assert.Equal(new CompletenessCounts(1, 1, 1, 0, 0, 0), report.Of("P", 2024));
        Assert.Equal(CompletenessCounts.Zero, report.Of("K2", 2024));
        // Cells without a department count only in the all-departments totals.
        Assert.Single(report.Counts.Keys, k => k.OrgUnit == "K1");
    }

    [Fact]
    public void Years_are_counted_separately_with_their_own_deadlines()
    {
        ExpectedCell[] expected = [new("K1", "mmr", 2023), new("K1", "mmr", 2024)];
        // Reported 1 March 2025: late for 2023 (due 31 March 2024), on time for 2024.
        CellReport[] reports = [new("K1", "mmr", 2023, OnTime), new("K1", "mmr", 2024, OnTime)];
        var report = Completeness.Compute(expected, reports, ParentOf, AfterDeadline);
        Assert.Equal(new CompletenessCounts(1, 1, 0, 1, 0, 0), report.Of("K1", 2023));
        Assert.Equal(new CompletenessCounts(1, 1, 1, 0, 0, 0), report.Of("K1", 2024));
    }

    [Fact]
    public void A_cyclic_hierarchy_does_not_loop()
    {
        var report = Completeness.Compute([new ExpectedCell("A", "mmr", 2024)], [], code => code == "A" ? "B" : "A", AfterDeadline);
        Assert.Equal(1, report.Of("A", 2024).Missing);
        Assert.Equal(1, report.Of("B", 2024).Missing);
    }
}
