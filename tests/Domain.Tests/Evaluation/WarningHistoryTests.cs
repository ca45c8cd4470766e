using OrleansPlans.Domain.Evaluation;

namespace OrleansPlans.Domain.Tests.Evaluation;

public class WarningHistoryTests
{
    private static Warning W(WarningKind kind, string indicator, double number = 1, string rule = "") =>
        new(kind, "cn-511725", indicator, 2024, "", rule, "health", "m", new Dictionary<string, double> { ["n"] = number });

    [Fact]
    public void Diff_splits_into_raised_still_active_and_cleared()
    {
        var a = W(WarningKind.Fluctuation, "a");
        var b = W(WarningKind.ProjectedMiss, "b", 1);
        var bMoved = W(WarningKind.ProjectedMiss, "b", 2); // same key, new numbers
        var c = W(WarningKind.ValidationRule, "c", rule: "r1");

        var diff = WarningHistory.Diff([a, b], [bMoved, c]);

        Assert.Equal([c], diff.Raised);
        Assert.Same(bMoved, Assert.Single(diff.StillActive)); // the current version, with its current numbers
        Assert.Equal([a], diff.Cleared);
    }

    [Fact]
    public void The_key_includes_kind_rule_and_disaggregation()
    {
        var r1 = W(WarningKind.ValidationRule, "c", rule: "r1");
        var r2 = W(WarningKind.ValidationRule, "c", rule: "r2");
        var urban = r1 with { Disaggregation = "area=urban" };
        var diff = WarningHistory.Diff([r1], [r2, urban]);
        Assert.Equal(2, diff.Raised.Count);
        Assert.Equal([r1], diff.Cleared);
    }

    [Fact]
    public void Empty_runs_and_duplicates()
    {
        var a = W(WarningKind.Fluctuation, "a");
        Assert.Equal([a], WarningHistory.Diff([], [a, a]).Raised);
        var none = WarningHistory.Diff([], []);
        Assert.Empty(none.Raised);
        Assert.Empty(none.StillActive);
        Assert.Empty(none.Cleared);
    }
}
