using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>The early-warning (预警) kinds.</summary>
public enum WarningKind
{
    /// <summary>The trend, extrapolated to the target year, does not meet the target (UN Statistics Division projection).</summary>
    ProjectedMiss,
    /// <summary>A year-over-year change far outside the unit's own history, or beyond a set percentage.</summary>
    Fluctuation,
    /// <summary>An expected figure was not reported by the reporting deadline.</summary>
    MissingAfterDeadline,
    /// <summary>A validation rule between figures is broken (numerator ≤ denominator, sub-groups sum to the total …).</summary>
    ValidationRule,
}

/// <summary>What identifies a warning across detection runs: the same key in two runs is the same warning still active.</summary>
/// <param name="Rule">The validation rule's id (or "subgroups:category"); "" for the other kinds.</param>
public readonly record struct WarningKey(WarningKind Kind, string OrgUnit, string Indicator, int Year, string Disaggregation, string Rule);

/// <summary>An early warning. Numbers hold the figures behind it (named, e.g. "projected", "target", "modifiedZ").</summary>
/// <param name="Year">The data year the warning is about (for a projected miss: the evaluation year the projection was made in).</param>
/// <param name="Department">The responsible lead department, where the plan names one.</param>
public sealed record Warning(
    WarningKind Kind,
    string OrgUnit,
    string Indicator,
    int Year,
    string Disaggregation,
    string Rule,
    string? Department,
    string Message,
    IReadOnlyDictionary<string, double> Numbers)
{
    public WarningKey Key => new(Kind, OrgUnit, Indicator, Year, Disaggregation, Rule);
}

/// <summary>The thresholds of the early-warning rules.</summary>
public sealed record WarningOptions
{
    public static WarningOptions Default { get; } = new();

    /// <summary>A change whose |modified z-score| exceeds this is a fluctuation (Iglewicz and Hoaglin recommend 3.5).</summary>
    public double ModifiedZThreshold { get; init; } = 3.5;

    /// <summary>A change of more than this many percent of the previous figure is a fluctuation.</summary>
    public double PercentChangeThreshold { get; init; } = 30.0;

    /// <summary>
    /// The fewest year-over-year changes (including the one tested) the modified z-score is computed from. With two, the
    /// MAD is half their distance and |z| can never exceed 0.6745, so fewer than three would never flag anything.
    /// </summary>
    public int MinChangesForZScore { get; init; } = 3;

    /// <summary>
    /// A modified z-score outlier is a fluctuation only when the change is also at least this many percent of the previous
    /// figure (materiality): otherwise a near-linear series, whose MAD is almost 0, flags every small wobble.
    /// </summary>
    public double MinPercentChangeForZScore { get; init; } = 5.0;

    /// <summary>How far a total mean may differ from its sub-groups' weighted mean (in the indicator's unit): half a unit of one decimal place, the usual reporting precision.</summary>
    public decimal MeanTolerance { get; init; } = 0.05m;

    public ReportingDeadline Deadline { get; init; } = ReportingDeadline.Default;
}

/// <summary>An indicator's series at an org unit (one disaggregation) with the targets that apply to it.</summary>
public sealed record WatchedSeries(
    string OrgUnit,
    IndicatorDefinition Indicator,
    string Disaggregation,
    IReadOnlyDictionary<int, decimal?> Series,
    IReadOnlyList<TargetView> Targets,
    string? Department = null);

/// <summary>A reported figure as the validation rules see it (rates: numerator and denominator; counts: value; means: value and weight in Denominator).</summary>
public sealed record ReportedFigure(
    string OrgUnit,
    IndicatorDefinition Indicator,
    int Year,
    string Disaggregation,
    decimal? Numerator,
    decimal? Denominator,
    decimal? Value,
    string? Department = null);

/// <summary>Everything one detection run looks at, for one year.</summary>
public sealed record WarningInput(int Year, DateTimeOffset Now)
{
    public int BaselineYear { get; init; } = ProgressRater.DefaultBaselineYear;
    public IReadOnlyList<WatchedSeries> Series { get; init; } = [];
    public IReadOnlyList<ExpectedCell> Expected { get; init; } = [];
    public IReadOnlyList<CellReport> Reports { get; init; } = [];
    public IReadOnlyList<ReportedFigure> Figures { get; init; } = [];
    public IReadOnlyList<ValidationRule> Rules { get; init; } = [];
}
