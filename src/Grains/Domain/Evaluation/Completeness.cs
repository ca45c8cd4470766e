namespace OrleansPlans.Domain.Evaluation;

/// <summary>
/// Reporting completeness and timeliness counts. Expected = Reported + Missing + Pending; Reported = OnTime + Late.
/// Percentages are of Expected, derived from the counts, so a parent's percentage is never an average of its children's.
/// </summary>
/// <param name="Missing">Not reported and the deadline has passed.</param>
/// <param name="Pending">Not reported, but the deadline is still ahead.</param>
public sealed record CompletenessCounts(int Expected, int Reported, int OnTime, int Late, int Missing, int Pending)
{
    public static readonly CompletenessCounts Zero = new(0, 0, 0, 0, 0, 0);

    /// <summary>Completeness (DHIS2 "reporting rate"): reported / expected × 100; null when nothing is expected.</summary>
    public double? ReportedPercent => Percent(Reported);

    /// <summary>Timeliness (DHIS2 "reporting rate on time"): on time / expected × 100.</summary>
    public double? OnTimePercent => Percent(OnTime);

    public double? LatePercent => Percent(Late);

    public CompletenessCounts Add(CompletenessCounts o) =>
        new(Expected + o.Expected, Reported + o.Reported, OnTime + o.OnTime, Late + o.Late, Missing + o.Missing, Pending + o.Pending);

    private double? Percent(int count) => Expected == 0 ? null : 100.0 * count / Expected;
}

/// <summary>An org unit's counts for a year; Department null means all departments together.</summary>
public readonly record struct CompletenessKey(string OrgUnit, int Year, string? Department = null);

/// <summary>Counts for every org unit that has expected cells or descendants with them, per year, in total and per department.</summary>
public sealed record CompletenessReport(IReadOnlyDictionary<CompletenessKey, CompletenessCounts> Counts)
{
    /// <summary>The counts of an org unit (all departments when <paramref name="department"/> is null); zero when it expects nothing.</summary>
    public CompletenessCounts Of(string orgUnit, int year, string? department = null) =>
        Counts.GetValueOrDefault(new CompletenessKey(orgUnit, year, department)) ?? CompletenessCounts.Zero;
}

/// <summary>
/// Completeness and timeliness of reporting per org unit, department and year, summed up the org-unit tree.
/// </summary>
/// <remarks>
/// A cell is reported when any report exists for it (org unit × indicator × year); its timeliness is judged by its earliest
/// report, so a later correction never turns an on-time report late. Reports for cells nobody expected are ignored
/// (they cannot raise completeness above 100%). Duplicate expected cells count once. A cell counts at its own org unit
/// and at every ancestor (sum of counts, never of percentages); cells without a department count only in the
/// all-departments totals.
/// </remarks>
public static class Completeness
{
    /// <param name="parentOf">The parent of an org unit, null at the root (e.g. <c>code =&gt; planData.OrgUnit(code)?.ParentCode</c>).</param>
    public static CompletenessReport Compute(
        IEnumerable<ExpectedCell> expected,
        IEnumerable<CellReport> reports,
        Func<string, string?> parentOf,
        DateTimeOffset now,
        ReportingDeadline? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(parentOf);
        deadline ??= ReportingDeadline.Default;

        var firstReport = new Dictionary<(string OrgUnit, string Indicator, int Year), DateTimeOffset>();
        foreach (var r in reports)
        {
            var key = (r.OrgUnit, r.Indicator, r.Year);
            if (!firstReport.TryGetValue(key, out var at) || r.ReportedAt < at)
            {
                firstReport[key] = r.ReportedAt;
            }
        }

        var counts = new Dictionary<CompletenessKey, CompletenessCounts>();
        var seen = new HashSet<(string, string, int)>();
        foreach (var cell in expected)
        {
            if (!seen.Add((cell.OrgUnit, cell.Indicator, cell.Year)))
            {
                continue;
            }
            CompletenessCounts one;
            if (firstReport.TryGetValue((cell.OrgUnit, cell.Indicator, cell.Year), out var reportedAt))
            {
                one = deadline.IsOnTime(cell.Year, reportedAt) ? new(1, 1, 1, 0, 0, 0) : new(1, 1, 0, 1, 0, 0);
            }
            else
            {
                one = deadline.HasPassed(cell.Year, now) ? new(1, 0, 0, 0, 1, 0) : new(1, 0, 0, 0, 0, 1);
            }
            foreach (var unit in SelfAndAncestors(cell.OrgUnit, parentOf))
            {
                Add(counts, new CompletenessKey(unit, cell.Year), one);
                if (cell.Department is not null)
                {
                    Add(counts, new CompletenessKey(unit, cell.Year, cell.Department), one);
                }
            }
        }
        return new CompletenessReport(counts);
    }

    private static void Add(Dictionary<CompletenessKey, CompletenessCounts> counts, CompletenessKey key, CompletenessCounts one) =>
        counts[key] = (counts.GetValueOrDefault(key) ?? CompletenessCounts.Zero).Add(one);

    private static IEnumerable<string> SelfAndAncestors(string orgUnit, Func<string, string?> parentOf)
    {
        // The visited set guards against a malformed (cyclic) hierarchy counting a cell forever.
        var visited = new HashSet<string>(StringComparer.Ordinal);
        for (string? unit = orgUnit; unit is not null && visited.Add(unit); unit = parentOf(unit))
        {
            yield return unit;
        }
    }
}
