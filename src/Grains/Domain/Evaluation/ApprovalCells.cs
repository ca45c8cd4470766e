using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>
/// Approval states travel up the roll-up as additive pseudo-cells ("@approval", year, state) counting counties, so they
/// follow the same versioned, self-healing path as the figures (a lost message is repaired by reconciliation) and a
/// city's or province's tally is a plain sum. Open datasets are not sent: open = leaf counties − the others.
/// </summary>
public static class ApprovalCells
{
    public const string Indicator = "@approval";

    public static readonly IReadOnlyList<string> SentStates = ["submitted", "approvedByCity", "approvedByProvince"];

    public static bool Is(CellKey key) => key.Indicator == Indicator;

    public static RollupCell Cell(int year, string state, int counties) =>
        new(new CellKey(Indicator, year, state), counties, null, counties, StatusCounts.Zero);

    /// <summary>The tally of a year from a unit's cells; counties with no cell count as open.</summary>
    public static ApprovalTally Tally(int year, int leafCounties, Func<CellKey, RollupCell?> lookup)
    {
        int Count(string state) => (int)(lookup(new CellKey(Indicator, year, state))?.Numerator ?? 0m);
        var submitted = Count("submitted");
        var city = Count("approvedByCity");
        var province = Count("approvedByProvince");
        return new ApprovalTally(year, leafCounties - submitted - city - province, submitted, city, province);
    }
}
