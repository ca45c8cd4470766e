namespace OrleansPlans.Contracts;

/// <summary>One figure reported by a county for one indicator, year and disaggregation.</summary>
/// <remarks>
/// Rates and percentages carry <see cref="Numerator"/> and <see cref="Denominator"/>; counts carry
/// <see cref="Value"/>; means carry <see cref="Value"/> and the weight in <see cref="Denominator"/>.
/// <see cref="Disaggregation"/> is the canonical key ("" for the total, else "area=urban;sex=female").
/// </remarks>
[GenerateSerializer, Immutable, Alias("plans.DataValueRow")]
public sealed record DataValueRow(
    [property: Id(0)] string Indicator,
    [property: Id(1)] int Year,
    [property: Id(2)] string Disaggregation,
    [property: Id(3)] decimal? Numerator,
    [property: Id(4)] decimal? Denominator,
    [property: Id(5)] decimal? Value,
    [property: Id(6)] string? Department);

/// <summary>A county's batch of figures, applied all or nothing.</summary>
[GenerateSerializer, Immutable, Alias("plans.DataValueBatch")]
public sealed record DataValueBatch(
    [property: Id(0)] Guid BatchId,
    [property: Id(1)] string Principal,
    [property: Id(2)] DataValueRow[] Rows,
    [property: Id(3)] bool DryRun);

/// <summary>A rejected row: its zero-based index in the batch, the offending field and why.</summary>
[GenerateSerializer, Immutable, Alias("plans.RowError")]
public sealed record RowError(
    [property: Id(0)] int Row,
    [property: Id(1)] string Field,
    [property: Id(2)] string Message);

/// <summary>What happened to a batch (DHIS2-style import summary).</summary>
[GenerateSerializer, Immutable, Alias("plans.ImportSummary")]
public sealed record ImportSummary(
    [property: Id(0)] Guid BatchId,
    [property: Id(1)] bool DryRun,
    [property: Id(2)] int Imported,
    [property: Id(3)] int Updated,
    [property: Id(4)] int Unchanged,
    [property: Id(5)] RowError[] Errors,
    [property: Id(6)] bool Locked = false)
{
    public bool Accepted => Errors.Length == 0;
}

/// <summary>How one row of a batch changed the stored value.</summary>
[GenerateSerializer, Alias("plans.RowOutcome")]
public enum RowOutcome
{
    Imported = 0,
    Updated = 1,
    Unchanged = 2,
}

/// <summary>A stored figure with its provenance.</summary>
/// <remarks>
/// <see cref="ReportedAt"/> is when the figure last changed; <see cref="FirstReportedAt"/> when a figure for this cell
/// was first reported, if earlier (null: the same) — timeliness is judged by the first report, so a later correction
/// never makes an on-time report late.
/// </remarks>
[GenerateSerializer, Immutable, Alias("plans.StoredValue")]
public sealed record StoredValue(
    [property: Id(0)] decimal? Numerator,
    [property: Id(1)] decimal? Denominator,
    [property: Id(2)] decimal? Value,
    [property: Id(3)] string Department,
    [property: Id(4)] DateTimeOffset ReportedAt,
    [property: Id(5)] Guid BatchId,
    [property: Id(6)] DateTimeOffset? FirstReportedAt = null)
{
    /// <summary>When a figure for this cell was first reported.</summary>
    public DateTimeOffset FirstReported => FirstReportedAt is { } first && first < ReportedAt ? first : ReportedAt;

    /// <summary>True when the figures (not the provenance) are the same.</summary>
    public bool SameFigures(DataValueRow row, string department) =>
        Numerator == row.Numerator && Denominator == row.Denominator && Value == row.Value && Department == department;
}

/// <summary>
/// Storage (PostgreSQL) could not be reached or refused the operation; nothing was acknowledged. Raised in place of
/// driver exceptions, which cannot cross the wire to clients; the gateway answers 503 with Retry-After.
/// </summary>
[GenerateSerializer, Alias("plans.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message) : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
