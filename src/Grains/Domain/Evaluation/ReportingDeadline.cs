namespace OrleansPlans.Domain.Evaluation;

/// <summary>A cell the plan expects: an org unit's figure for an indicator and year, and the lead department that reports it.</summary>
public sealed record ExpectedCell(string OrgUnit, string Indicator, int Year, string? Department = null);

/// <summary>A report received for a cell (any disaggregation of it counts as reporting the cell).</summary>
public sealed record CellReport(string OrgUnit, string Indicator, int Year, DateTimeOffset ReportedAt);

/// <summary>
/// When a year's figures are due: by default the end of 31 March of the following year, China Standard Time (UTC+8),
/// the statistics bureau's annual deadline. Configurable per deployment.
/// </summary>
/// <param name="YearsAfter">How many years after the reporting year the deadline falls (1: the following year).</param>
public sealed record ReportingDeadline(int Month = 3, int Day = 31, int YearsAfter = 1, int UtcOffsetHours = 8)
{
    public static ReportingDeadline Default { get; } = new();

    /// <summary>The first instant after the deadline day for figures of <paramref name="year"/>: a report is on time strictly before it.</summary>
    public DateTimeOffset ClosesAt(int year) =>
        new DateTimeOffset(year + YearsAfter, Month, Day, 0, 0, 0, TimeSpan.FromHours(UtcOffsetHours)).AddDays(1);

    public bool IsOnTime(int year, DateTimeOffset reportedAt) => reportedAt < ClosesAt(year);

    public bool HasPassed(int year, DateTimeOffset now) => now >= ClosesAt(year);
}
