namespace OrleansPlans.Contracts;

/// <summary>Whether a figure meets the target that applies to its year.</summary>
[GenerateSerializer, Alias("plans.TargetStatus")]
public enum TargetStatus
{
    /// <summary>No figure, or too few figures to judge a directional target.</summary>
    NoData = 0,
    /// <summary>A figure exists but no target applies to it.</summary>
    NoTarget = 1,
    Met = 2,
    NotMet = 3,
}

/// <summary>How many leaf org units (counties) are in each status for a cell.</summary>
[GenerateSerializer, Immutable, Alias("plans.StatusCounts")]
public sealed record StatusCounts(
    [property: Id(0)] int Met,
    [property: Id(1)] int NotMet,
    [property: Id(2)] int NoTarget,
    [property: Id(3)] int NoData)
{
    public static readonly StatusCounts Zero = new(0, 0, 0, 0);

    // Shared, like Zero: a leaf cell carries one of these four, and records are immutable (one object per status,
    // not one per cell of every push).
    private static readonly StatusCounts OneMet = new(1, 0, 0, 0);
    private static readonly StatusCounts OneNotMet = new(0, 1, 0, 0);
    private static readonly StatusCounts OneNoTarget = new(0, 0, 1, 0);
    private static readonly StatusCounts OneNoData = new(0, 0, 0, 1);

    public static StatusCounts Of(TargetStatus status) => status switch
    {
        TargetStatus.Met => OneMet,
        TargetStatus.NotMet => OneNotMet,
        TargetStatus.NoTarget => OneNoTarget,
        _ => OneNoData,
    };

    public StatusCounts Add(StatusCounts o) => o == Zero ? this : new(Met + o.Met, NotMet + o.NotMet, NoTarget + o.NoTarget, NoData + o.NoData);

    public StatusCounts Subtract(StatusCounts o) => o == Zero ? this : new(Met - o.Met, NotMet - o.NotMet, NoTarget - o.NoTarget, NoData - o.NoData);

    /// <summary>
    /// These counts with one contribution replaced by another (<paramref name="removed"/> out, <paramref name="added"/>
    /// in): this same instance when both carry the same counts, else one new record.
    /// </summary>
    public StatusCounts Replace(StatusCounts removed, StatusCounts added) =>
        removed == added
            ? this
            : new(Met - removed.Met + added.Met, NotMet - removed.NotMet + added.NotMet,
                NoTarget - removed.NoTarget + added.NoTarget, NoData - removed.NoData + added.NoData);

    public int Total => Met + NotMet + NoTarget + NoData;
}

/// <summary>A target as it applies to one org unit, indicator and disaggregation.</summary>
/// <remarks><see cref="Value"/> is in the indicator's own unit (already converted from the plan's wording).</remarks>
[GenerateSerializer, Immutable, Alias("plans.TargetView")]
public sealed record TargetView(
    [property: Id(0)] string Comparator,
    [property: Id(1)] decimal? Value,
    [property: Id(2)] string Unit,
    [property: Id(3)] int Year,
    [property: Id(4)] bool Approximate,
    [property: Id(5)] int? BaseYear,
    [property: Id(6)] decimal? ChangePercent,
    [property: Id(7)] string Source,
    [property: Id(8)] string? Text);
