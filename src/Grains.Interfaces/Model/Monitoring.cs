namespace OrleansPlans.Contracts;

/// <summary>
/// An early warning (预警) as stored at its county: what was detected, when it was raised and, once the condition no
/// longer holds, when it cleared. Kind: projectedMiss, fluctuation, missingAfterDeadline or validationRule.
/// </summary>
/// <param name="Year">The data year the warning is about.</param>
/// <param name="Department">The lead department responsible, where the plan or catalogue names one.</param>
/// <param name="Numbers">The figures behind the warning (e.g. projected, target, modifiedZ).</param>
[GenerateSerializer, Immutable, Alias("plans.WarningRecord")]
public sealed record WarningRecord(
    [property: Id(0)] string Kind,
    [property: Id(1)] string OrgUnit,
    [property: Id(2)] string Indicator,
    [property: Id(3)] int Year,
    [property: Id(4)] string Disaggregation,
    [property: Id(5)] string Rule,
    [property: Id(6)] string? Department,
    [property: Id(7)] string Message,
    [property: Id(8)] Dictionary<string, double> Numbers,
    [property: Id(9)] DateTimeOffset RaisedAt,
    [property: Id(10)] DateTimeOffset? ClearedAt)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Active => ClearedAt is null;

    /// <summary>Identifies the warning across detection runs (the same condition on the same figure).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => $"{Kind}|{Indicator}|{Year}|{Disaggregation}|{Rule}";
}

/// <summary>A warning as an indicator grain detects it now (no history): the county diffs these with its register.</summary>
[GenerateSerializer, Immutable, Alias("plans.DetectedWarning")]
public sealed record DetectedWarning(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Indicator,
    [property: Id(2)] int Year,
    [property: Id(3)] string Disaggregation,
    [property: Id(4)] string Rule,
    [property: Id(5)] string? Department,
    [property: Id(6)] string Message,
    [property: Id(7)] Dictionary<string, double> Numbers)
{
    public string Key => $"{Kind}|{Indicator}|{Year}|{Disaggregation}|{Rule}";
}

/// <summary>Filters of a warning query; null means any.</summary>
/// <param name="State">active (default), cleared or all.</param>
[GenerateSerializer, Immutable, Alias("plans.WarningFilter")]
public sealed record WarningFilter(
    [property: Id(0)] string? Plan = null,
    [property: Id(1)] string? Area = null,
    [property: Id(2)] string? Department = null,
    [property: Id(3)] string? Kind = null,
    [property: Id(4)] int? Year = null,
    [property: Id(5)] string? Indicator = null,
    [property: Id(6)] string State = "active",
    [property: Id(7)] int? Limit = null);

/// <summary>
/// A county's warnings matching a filter: how many in all, by kind and by department, and the newest ones (at most the
/// filter's limit) — so a province-wide count never ships every record across the cluster.
/// </summary>
[GenerateSerializer, Immutable, Alias("plans.WarningPage")]
public sealed record WarningPage(
    [property: Id(0)] int Total,
    [property: Id(1)] Dictionary<string, int> ByKind,
    [property: Id(2)] Dictionary<string, int> ByDepartment,
    [property: Id(3)] WarningRecord[] Warnings);

/// <summary>Reporting completeness and timeliness counts of one org unit (and department) for one year.</summary>
/// <param name="Department">Null for all departments together.</param>
[GenerateSerializer, Immutable, Alias("plans.CompletenessView")]
public sealed record CompletenessView(
    [property: Id(0)] string OrgUnit,
    [property: Id(1)] int Year,
    [property: Id(2)] string? Department,
    [property: Id(3)] int Expected,
    [property: Id(4)] int Reported,
    [property: Id(5)] int OnTime,
    [property: Id(6)] int Late,
    [property: Id(7)] int Missing,
    [property: Id(8)] int Pending)
{
    public double? ReportedPercent => Expected == 0 ? null : Math.Round(100.0 * Reported / Expected, 1);

    public double? OnTimePercent => Expected == 0 ? null : Math.Round(100.0 * OnTime / Expected, 1);

    public CompletenessView Add(CompletenessView o) =>
        this with { Expected = Expected + o.Expected, Reported = Reported + o.Reported, OnTime = OnTime + o.OnTime, Late = Late + o.Late, Missing = Missing + o.Missing, Pending = Pending + o.Pending };
}

/// <summary>
/// A lead department's progress report on one measure of a plan for one year.
/// Status: notStarted, onTrack, delayed or completed.
/// </summary>
[GenerateSerializer, Immutable, Alias("plans.MeasureReport")]
public sealed record MeasureReport(
    [property: Id(0)] string Plan,
    [property: Id(1)] string Area,
    [property: Id(2)] int Measure,
    [property: Id(3)] int Year,
    [property: Id(4)] string Status,
    [property: Id(5)] string Narrative,
    [property: Id(6)] string Department,
    [property: Id(7)] string ReportedBy,
    [property: Id(8)] DateTimeOffset ReportedAt)
{
    public static readonly IReadOnlyList<string> Statuses = ["notStarted", "onTrack", "delayed", "completed"];

    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => $"{Plan}|{Area}|{Measure}|{Year}";
}

/// <summary>One recorded transition of a county's annual dataset.</summary>
[GenerateSerializer, Immutable, Alias("plans.ApprovalEvent")]
public sealed record ApprovalEvent(
    [property: Id(0)] string From,
    [property: Id(1)] string To,
    [property: Id(2)] string Action,
    [property: Id(3)] string Role,
    [property: Id(4)] string Actor,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] string? Comment);

/// <summary>A county's annual dataset: where it stands (open, submitted, approvedByCity, approvedByProvince) and its history.</summary>
[GenerateSerializer, Immutable, Alias("plans.DatasetApprovalView")]
public sealed record DatasetApprovalView(
    [property: Id(0)] string County,
    [property: Id(1)] int Year,
    [property: Id(2)] string State,
    [property: Id(3)] bool Locked,
    [property: Id(4)] ApprovalEvent[] History);

/// <summary>An approval action on a county's dataset. Action: submit, approve, return, unapprove; Role: county, city, province.</summary>
[GenerateSerializer, Immutable, Alias("plans.ApprovalCommand")]
public sealed record ApprovalCommand(
    [property: Id(0)] string Action,
    [property: Id(1)] string Role,
    [property: Id(2)] string Actor,
    [property: Id(3)] string? Comment,
    [property: Id(4)] bool ReturnToCounty = false,
    [property: Id(5)] bool AllCitiesApproved = false);

/// <summary>The outcome of an approval action: the dataset after it, or the reason it was refused (state unchanged).</summary>
/// <param name="Error">notAllowedInState, wrongRole, commentRequired or citiesNotAllApproved; null when done.</param>
[GenerateSerializer, Immutable, Alias("plans.ApprovalOutcome")]
public sealed record ApprovalOutcome(
    [property: Id(0)] DatasetApprovalView Dataset,
    [property: Id(1)] string? Error,
    [property: Id(2)] string? Message);

/// <summary>How many leaf counties' datasets of one year are in each approval state.</summary>
[GenerateSerializer, Immutable, Alias("plans.ApprovalTally")]
public sealed record ApprovalTally(
    [property: Id(0)] int Year,
    [property: Id(1)] int Open,
    [property: Id(2)] int Submitted,
    [property: Id(3)] int ApprovedByCity,
    [property: Id(4)] int ApprovedByProvince)
{
    public ApprovalTally Add(ApprovalTally o) => new(Year, Open + o.Open, Submitted + o.Submitted, ApprovedByCity + o.ApprovedByCity, ApprovedByProvince + o.ApprovedByProvince);

    public static ApprovalTally Of(int year, string state) => state switch
    {
        "submitted" => new(year, 0, 1, 0, 0),
        "approvedByCity" => new(year, 0, 0, 1, 0),
        "approvedByProvince" => new(year, 0, 0, 0, 1),
        _ => new(year, 1, 0, 0, 0),
    };
}

/// <summary>
/// The rating of one target of an org unit as of a year (Statistics Canada rating, UN projection), with the latest figure
/// at or before that year (<see cref="ValueYear"/> says which: a 2030 evaluation made in 2026 shows the 2025 figure).
/// </summary>
[GenerateSerializer, Immutable, Alias("plans.IndicatorEvaluation")]
public sealed record IndicatorEvaluation(
    [property: Id(0)] string Indicator,
    [property: Id(1)] int Year,
    [property: Id(2)] decimal? Value,
    [property: Id(3)] TargetView? Target,
    [property: Id(4)] TargetStatus Status,
    [property: Id(5)] EvaluationView? Evaluation,
    [property: Id(6)] SeriesPoint[] Trend,
    [property: Id(7)] int? ValueYear = null);
