namespace OrleansPlans.Contracts;

/// <summary>Identifies one aggregated figure: indicator × year × disaggregation.</summary>
[GenerateSerializer, Immutable, Alias("plans.CellKey")]
public readonly record struct CellKey(
    [property: Id(0)] string Indicator,
    [property: Id(1)] int Year,
    [property: Id(2)] string Disaggregation);

/// <summary>
/// An org unit's contribution to one cell: the additive parts of the figure (never a ratio),
/// how many leaf units reported it and how many leaves are in each target status.
/// </summary>
/// <remarks>
/// Numerator is Σ numerators (rate, percentage), Σ values (count) or Σ value × weight (mean);
/// Denominator is Σ denominators or Σ weights, and null for counts. Parents add these; they never average ratios.
/// </remarks>
[GenerateSerializer, Immutable, Alias("plans.RollupCell")]
public sealed record RollupCell(
    [property: Id(0)] CellKey Key,
    [property: Id(1)] decimal Numerator,
    [property: Id(2)] decimal? Denominator,
    [property: Id(3)] int ReportingUnits,
    [property: Id(4)] StatusCounts Statuses);

/// <summary>Identifies a version of a child's contribution, compared for equality only.</summary>
/// <remarks>A county's epoch is 0 and its sequence is persisted; a roll-up grain draws a random epoch per activation.</remarks>
[GenerateSerializer, Immutable, Alias("plans.ContributionVersion")]
public readonly record struct ContributionVersion(
    [property: Id(0)] long Epoch,
    [property: Id(1)] long Sequence)
{
    /// <summary>Reported while a change is half-applied, so a parent never trusts it.</summary>
    public static readonly ContributionVersion InFlight = new(-1, -1);
}

/// <summary>Everything a child contributes to its parent, with the version it was taken at.</summary>
[GenerateSerializer, Immutable, Alias("plans.ContributionSnapshot")]
public sealed record ContributionSnapshot(
    [property: Id(0)] string OrgUnit,
    [property: Id(1)] ContributionVersion Version,
    [property: Id(2)] RollupCell[] Cells);

/// <summary>One child's share of a parent's cell.</summary>
[GenerateSerializer, Immutable, Alias("plans.ChildContribution")]
public sealed record ChildContribution(
    [property: Id(0)] string OrgUnit,
    [property: Id(1)] string Name,
    [property: Id(2)] decimal? Value,
    [property: Id(3)] decimal? Numerator,
    [property: Id(4)] decimal? Denominator,
    [property: Id(5)] int ReportingUnits,
    [property: Id(6)] StatusCounts Statuses,
    [property: Id(7)] TargetStatus Status);

/// <summary>An indicator's figure at an org unit for one year and disaggregation.</summary>
[GenerateSerializer, Immutable, Alias("plans.RollupEntry")]
public sealed record RollupEntry(
    [property: Id(0)] string Indicator,
    [property: Id(1)] string Disaggregation,
    [property: Id(2)] decimal? Value,
    [property: Id(3)] decimal? Numerator,
    [property: Id(4)] decimal? Denominator,
    [property: Id(5)] TargetView? Target,
    [property: Id(6)] TargetStatus Status,
    [property: Id(7)] int ReportingUnits,
    [property: Id(8)] int ExpectedUnits,
    [property: Id(9)] StatusCounts Statuses,
    [property: Id(10)] ChildContribution[]? Children);

/// <summary>Every indicator at an org unit for one year.</summary>
[GenerateSerializer, Immutable, Alias("plans.RollupView")]
public sealed record RollupView(
    [property: Id(0)] string OrgUnit,
    [property: Id(1)] int Year,
    [property: Id(2)] DateTimeOffset? UpdatedAt,
    [property: Id(3)] RollupEntry[] Entries,
    [property: Id(4)] ApprovalTally? Approval = null);

/// <summary>A cell where the incrementally maintained roll-up differs from a recomputation.</summary>
[GenerateSerializer, Immutable, Alias("plans.ConsistencyDifference")]
public sealed record ConsistencyDifference(
    [property: Id(0)] CellKey Key,
    [property: Id(1)] RollupCell? Maintained,
    [property: Id(2)] RollupCell? Recomputed);

/// <summary>The result of recomputing an org unit's roll-up from its leaf counties.</summary>
[GenerateSerializer, Immutable, Alias("plans.ConsistencyReport")]
public sealed record ConsistencyReport(
    [property: Id(0)] string OrgUnit,
    [property: Id(1)] int LeafUnits,
    [property: Id(2)] int CellsChecked,
    [property: Id(3)] ConsistencyDifference[] Differences)
{
    public bool Consistent => Differences.Length == 0;
}
