namespace OrleansPlans.Contracts;

/// <summary>One year of an indicator at an org unit.</summary>
[GenerateSerializer, Immutable, Alias("plans.SeriesPoint")]
public sealed record SeriesPoint(
    [property: Id(0)] int Year,
    [property: Id(1)] decimal? Value,
    [property: Id(2)] decimal? Numerator,
    [property: Id(3)] decimal? Denominator,
    [property: Id(4)] TargetStatus Status,
    [property: Id(5)] string? Department,
    [property: Id(6)] DateTimeOffset? ReportedAt,
    [property: Id(7)] int ReportingUnits);

/// <summary>The series of one disaggregation of an indicator at an org unit.</summary>
[GenerateSerializer, Immutable, Alias("plans.DisaggregatedSeries")]
public sealed record DisaggregatedSeries(
    [property: Id(0)] string Disaggregation,
    [property: Id(1)] SeriesPoint[] Points,
    [property: Id(2)] TargetView[] Targets);

/// <summary>An indicator at an org unit: its series, targets and the current evaluation.</summary>
[GenerateSerializer, Immutable, Alias("plans.IndicatorSeriesView")]
public sealed record IndicatorSeriesView(
    [property: Id(0)] string OrgUnit,
    [property: Id(1)] string Indicator,
    [property: Id(2)] DisaggregatedSeries[] Series,
    [property: Id(3)] int? LatestYear,
    [property: Id(4)] decimal? LatestValue,
    [property: Id(5)] TargetStatus CurrentStatus,
    [property: Id(6)] EvaluationView? Evaluation);

/// <summary>
/// Progress of the total series toward its target in the latest year with data: the Statistics Canada rating
/// (achieved, onTrack, moderateProgress, limitedProgress, deteriorating, insufficientData, notRated) and the UN
/// Statistics Division projection to the target year.
/// </summary>
[GenerateSerializer, Immutable, Alias("plans.EvaluationView")]
public sealed record EvaluationView(
    [property: Id(0)] int Year,
    [property: Id(1)] string Rating,
    [property: Id(2)] string Method,
    [property: Id(3)] int? BaseYear,
    [property: Id(4)] decimal? BaseValue,
    [property: Id(5)] decimal? CurrentValue,
    [property: Id(6)] decimal? TargetValue,
    [property: Id(7)] int? TargetYear,
    [property: Id(8)] double? Score,
    [property: Id(9)] bool Pooled,
    [property: Id(10)] string Reason,
    [property: Id(11)] string Projection,
    [property: Id(12)] double? ProjectedValue,
    [property: Id(13)] bool ProjectedToMiss);

/// <summary>Targets by status for one plan area at a county.</summary>
[GenerateSerializer, Immutable, Alias("plans.AreaSummary")]
public sealed record AreaSummary(
    [property: Id(0)] string Plan,
    [property: Id(1)] string Area,
    [property: Id(2)] int Indicators,
    [property: Id(3)] StatusCounts Statuses);

/// <summary>What a department reported for one indicator in one year.</summary>
[GenerateSerializer, Immutable, Alias("plans.DepartmentReport")]
public sealed record DepartmentReport(
    [property: Id(0)] string Indicator,
    [property: Id(1)] int Year,
    [property: Id(2)] int Values,
    [property: Id(3)] DateTimeOffset LastReportedAt,
    [property: Id(4)] DateTimeOffset? FirstReportedAt = null);

/// <summary>A department of a county: the indicators it is responsible for and what it has reported.</summary>
[GenerateSerializer, Immutable, Alias("plans.DepartmentView")]
public sealed record DepartmentView(
    [property: Id(0)] string County,
    [property: Id(1)] string Department,
    [property: Id(2)] string[] ResponsibleFor,
    [property: Id(3)] DepartmentReport[] Reported,
    [property: Id(4)] MeasureReport[]? Measures = null);
