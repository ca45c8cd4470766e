using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Gateway.Model;

public sealed record OrgUnitRef(string Code, string Name, string Level);

/// <param name="StandsForCity">
/// A prefecture-level city without county-level divisions (东莞市, 中山市, 儋州市), shown as the county-level unit that
/// reports for it; its city roll-up (the province's child of the same code) holds the same figures.
/// </param>
public sealed record DivisionResponse(string Code, string Name, string Level, OrgUnitRef[] Parents, OrgUnitRef[] Children, int CountyLevelUnits, string[] Plans,
    bool StandsForCity = false);

public sealed record IndicatorResponse(
    string Code, string NameZh, string NameEn, string Plan, string Area, string Kind, decimal? Factor, string Unit,
    string? Numerator, string? Denominator, string Direction, string Aggregation, string[] Disaggregations, string[]? AgeGroups, string Department);

public sealed record RollupIndicatorResponse(
    string Indicator, string NameZh, string NameEn, string Plan, string Area, string Unit,
    IReadOnlyDictionary<string, string> Disaggregation, decimal? Value, decimal? Numerator, decimal? Denominator,
    TargetView? Target, TargetStatus Status, int ReportingUnits, int ExpectedUnits, StatusCounts StatusCounts, ChildContribution[]? Children);

/// <param name="Approval">How many of the unit's county datasets of the year are open, submitted, approved by the city or by the province.</param>
public sealed record RollupResponse(OrgUnitRef OrgUnit, int Year, DateTimeOffset? UpdatedAt, string? Notice, StatusCounts Summary, RollupIndicatorResponse[] Indicators, ApprovalTally? Approval);

public sealed record SeriesResponse(OrgUnitRef OrgUnit, IndicatorResponse Indicator, string? Notice, int? LatestYear, decimal? LatestValue, TargetStatus CurrentStatus,
    EvaluationView? Evaluation, SeriesDisaggregationResponse[] Series);

public sealed record SeriesDisaggregationResponse(IReadOnlyDictionary<string, string> Disaggregation, string Label, SeriesPoint[] Points, TargetView[] Targets);

public sealed record ImportSummaryResponse(Guid BatchId, bool DryRun, string Status, int Imported, int Updated, int Unchanged, int Total);

public sealed record DepartmentResponse(string County, string Department, string NameZh, string NameEn, string[] LocalNames, IndicatorRef[] ResponsibleFor, DepartmentReport[] Reported);

public sealed record IndicatorRef(string Code, string NameZh);

public static class ApiMapping
{
    public static OrgUnitRef Ref(OrgUnit unit) => new(unit.Code, unit.Name, Level(unit.Level));

    public static string Level(OrgUnitLevel level) => level switch
    {
        OrgUnitLevel.Province => "province",
        OrgUnitLevel.Prefecture => "prefecture",
        _ => "county",
    };

    public static IndicatorResponse Indicator(IndicatorDefinition i) => new(
        i.Code, i.NameZh, i.NameEn, PlanAreas.PlanCode(i.Plan), i.Area, i.Kind.ToString().ToLowerInvariant(),
        i.Kind == IndicatorKind.Rate ? i.Factor : null, i.Unit, i.NumeratorDefinition, i.DenominatorDefinition,
        i.Direction.ToString().ToLowerInvariant(), AggregationRule(i.Kind), [.. i.Disaggregations], i.AgeGroups.Count > 0 ? [.. i.AgeGroups] : null, i.Department);

    public static string AggregationRule(IndicatorKind kind) => kind switch
    {
        IndicatorKind.Rate or IndicatorKind.Percentage => "pooled-ratio",
        IndicatorKind.Count => "sum",
        IndicatorKind.Mean => "weighted-mean",
        _ => "none",
    };
}
