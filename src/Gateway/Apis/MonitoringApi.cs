using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Evaluation;
using OrleansPlans.Gateway.Model;
using OrleansPlans.Gateway.Monitoring;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

public sealed record WarningResponse(
    string OrgUnit, string OrgUnitName, string Level, string Kind, string Indicator, string IndicatorNameZh, string Plan, string Area, int Year,
    IReadOnlyDictionary<string, string> Disaggregation, string Rule, string? Department, string? DepartmentNameZh, string Message,
    IReadOnlyDictionary<string, double> Numbers, DateTimeOffset? RaisedAt, DateTimeOffset? ClearedAt, bool Active, string MessageZh);

public sealed record WarningCount(string Key, string? Name, int Count);

public sealed record WarningsResponse(OrgUnitRef OrgUnit, WarningFilter Filter, int Total, WarningCount[] ByKind, WarningCount[] ByChild, WarningCount[] ByDepartment,
    WarningResponse[] Warnings, WarningResponse[] Aggregate);

public sealed record CompletenessResponse(OrgUnitRef OrgUnit, int Year, string Deadline, CompletenessView Total, CompletenessView[] Departments, ChildCompleteness[] Children);

public sealed record EvaluatedIndicatorResponse(IndicatorRef Indicator, string Plan, string Area, string Unit, IndicatorEvaluation Evaluation);

public sealed record AreaRatingSummary(string Plan, string Area, string AreaNameZh, IReadOnlyDictionary<string, int> Ratings, StatusCounts Statuses);

public sealed record EvaluationResponse(OrgUnitRef OrgUnit, int Year, AreaRatingSummary[] Areas, EvaluatedIndicatorResponse[] Indicators, QualitativeGoalRating[] QualitativeGoals);

/// <summary>Early warnings, reporting completeness and ratings of any org unit (issue: monitoring and evaluation).</summary>
public static class MonitoringApi
{
    public static IEndpointRouteBuilder MapMonitoringApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/org-units/{code}").WithTags("Monitoring and evaluation").RequireOrgScope(OrgAccess.Read);

        api.MapGet("/warnings", GetWarningsAsync)
            .WithName("GetWarnings")
            .WithSummary("Early warnings (预警) of the org unit's subtree, filterable by plan, area, department, kind, year, indicator and state (active, cleared, all)");

        api.MapGet("/completeness", GetCompletenessAsync)
            .WithName("GetCompleteness")
            .WithSummary("Reporting completeness and timeliness (expected, reported, on time, late, missing) in a year, per department and child unit");

        api.MapGet("/evaluation", GetEvaluationAsync)
            .WithName("GetEvaluation")
            .WithSummary("Every target rated as of a year: achieved, onTrack, moderateProgress, limitedProgress, deteriorating, insufficientData (Statistics Canada method), with the UN projection");
        return app;
    }

    internal static readonly string[] Kinds = ["projectedMiss", "fluctuation", "missingAfterDeadline", "validationRule"];

    private static async Task<Results<Ok<WarningsResponse>, ProblemHttpResult>> GetWarningsAsync(
        string code, PlanData data, MonitoringQueries queries, Domain.Loading.ValidationRuleSet rules,
        [FromQuery] string? plan, [FromQuery] string? area, [FromQuery] string? department, [FromQuery] string? kind,
        [FromQuery] int? year, [FromQuery] string? indicator, [FromQuery] string? state, [FromQuery] int? limit)
    {
        if (data.ViewedUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"Org unit '{code}'");
        }
        var problems = new List<string>();
        if (plan is not null && plan is not ("women" or "children"))
        {
            problems.Add("plan must be women or children");
        }
        if (area is not null && !(PlanAreas.Women.Concat(PlanAreas.Children)).Any(a => a.Code == area))
        {
            problems.Add($"unknown area '{area}'");
        }
        string? departmentCode = null;
        if (department is not null && (departmentCode = data.ResolveDepartment(department)?.Code) is null)
        {
            problems.Add($"unknown department '{department}'");
        }
        if (kind is not null && !Kinds.Contains(kind))
        {
            problems.Add($"kind must be one of {string.Join(", ", Kinds)}");
        }
        if (indicator is not null && !data.Indicators.ContainsKey(indicator))
        {
            problems.Add($"unknown indicator '{indicator}'");
        }
        if (state is not null && state is not ("active" or "cleared" or "all"))
        {
            problems.Add("state must be active, cleared or all");
        }
        if (year is < 2000 or > 2100)
        {
            problems.Add("year must be between 2000 and 2100");
        }
        if (limit is < 1 or > 10000)
        {
            problems.Add("limit must be between 1 and 10000");
        }
        if (problems.Count > 0)
        {
            return ApiProblems.BadRequest("Invalid warning filter", string.Join("; ", problems));
        }
        var filter = new WarningFilter(plan, area, departmentCode, kind, year, indicator, state ?? "active", limit ?? 1000);
        return TypedResults.Ok(await queries.SharedAsync($"warnings|{unit.Code}|{filter}", () => WarningsAsync(unit, filter, data, queries, rules)));
    }

    private static async Task<WarningsResponse> WarningsAsync(OrgUnit unit, WarningFilter filter, PlanData data, MonitoringQueries queries, Domain.Loading.ValidationRuleSet rules)
    {
        var pages = await queries.CountyWarningsAsync(unit, filter);
        var aggregate = filter.State == "cleared" ? [] : (await queries.AggregateWarningsAsync(unit))
            .Where(w => Matches(data, filter, w.Kind, w.Indicator, w.Year, w.Department)).ToArray();
        var leafToChild = data.ChildrenOf(unit.Code).SelectMany(c => data.LeavesOf(c.Code).Select(l => (Leaf: l.Code, Child: c))).ToDictionary(x => x.Leaf, x => x.Child, StringComparer.Ordinal);
        var byChild = pages.Where(p => p.Page.Total > 0 && leafToChild.ContainsKey(p.County)).GroupBy(p => leafToChild[p.County].Code, StringComparer.Ordinal)
            .Select(g => new WarningCount(g.Key, data.OrgUnit(g.Key)?.Name, g.Sum(p => p.Page.Total))).OrderByDescending(c => c.Count).ThenBy(c => c.Key, StringComparer.Ordinal).ToArray();
        var byKind = Kinds.Select(k => new WarningCount(k, null, pages.Sum(p => p.Page.ByKind.GetValueOrDefault(k)))).ToArray();
        var byDepartment = pages.SelectMany(p => p.Page.ByDepartment).GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(g => new WarningCount(g.Key, data.Departments.TryGetValue(g.Key, out var d) ? d.NameZh : null, g.Sum(kv => kv.Value))).OrderByDescending(c => c.Count).ToArray();
        var shown = MonitoringQueries.Newest(pages, filter.Limit);
        return new WarningsResponse(ApiMapping.Ref(unit), filter, pages.Sum(p => p.Page.Total), byKind, byChild, byDepartment,
            [.. shown.Select(w => Response(data, rules, w.OrgUnit, "county", w.Kind, w.Indicator, w.Year, w.Disaggregation, w.Rule, w.Department, w.Message, w.Numbers, w.RaisedAt, w.ClearedAt))],
            [.. aggregate.Select(w => Response(data, rules, unit.Code, ApiMapping.Level(unit.Level), w.Kind, w.Indicator, w.Year, w.Disaggregation, w.Rule, w.Department, w.Message, w.Numbers, null, null))]);
    }

    private static bool Matches(PlanData data, WarningFilter f, string kind, string indicator, int year, string? department) =>
        (f.Kind is null || f.Kind == kind) && (f.Year is null || f.Year == year) && (f.Indicator is null || f.Indicator == indicator)
        && (f.Department is null || f.Department == department)
        && (f.Plan is null || PlanAreas.PlanCode(data.Indicators[indicator].Plan) == f.Plan) && (f.Area is null || data.Indicators[indicator].Area == f.Area);

    internal static WarningResponse Response(PlanData data, Domain.Loading.ValidationRuleSet rules, string orgUnit, string level, string kind, string indicator, int year, string disaggregation, string rule,
        string? department, string message, IReadOnlyDictionary<string, double> numbers, DateTimeOffset? raisedAt, DateTimeOffset? clearedAt)
    {
        var definition = data.Indicators[indicator];
        return new WarningResponse(orgUnit, data.OrgUnit(orgUnit)?.Name ?? orgUnit, level, kind, indicator, definition.NameZh, PlanAreas.PlanCode(definition.Plan), definition.Area, year,
            Disaggregation.Parse(disaggregation), rule, department, department is not null && data.Departments.TryGetValue(department, out var d) ? d.NameZh : null,
            message, numbers, raisedAt, clearedAt, clearedAt is null, WarningText.Zh(kind, year, rule, message, numbers, definition, rules));
    }

    private static async Task<Results<Ok<CompletenessResponse>, ProblemHttpResult>> GetCompletenessAsync(
        string code, PlanData data, MonitoringQueries queries, TimeProvider time, IConfiguration configuration, [FromQuery] int? year)
    {
        if (data.ViewedUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"Org unit '{code}'");
        }
        if (year is < 2000 or > 2100)
        {
            return ApiProblems.BadRequest("year must be between 2000 and 2100");
        }
        var y = year ?? time.GetUtcNow().Year - 1;
        var summary = await queries.CompletenessAsync(unit, y);
        var options = configuration.GetSection("OrleansPlans:Monitoring").Get<MonitoringOptions>() ?? new MonitoringOptions();
        var deadline = options.ToWarningOptions().Deadline.ClosesAt(y).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Ok(new CompletenessResponse(ApiMapping.Ref(unit), y, deadline, summary.Total, summary.Departments, summary.Children));
    }

    private static async Task<Results<Ok<EvaluationResponse>, ProblemHttpResult>> GetEvaluationAsync(
        string code, PlanData data, MonitoringQueries queries, TimeProvider time, [FromQuery] int? year)
    {
        if (data.ViewedUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"Org unit '{code}'");
        }
        if (year is < 2000 or > 2100)
        {
            return ApiProblems.BadRequest("year must be between 2000 and 2100");
        }
        var y = year ?? time.GetUtcNow().Year - 1;
        var evaluations = await queries.EvaluationAsync(unit, y);
        var qualitative = await queries.QualitativeGoalsAsync(unit, y);
        return TypedResults.Ok(Evaluation(data, unit, y, evaluations, qualitative));
    }

    internal static EvaluationResponse Evaluation(PlanData data, OrgUnit unit, int year, IndicatorEvaluation[] evaluations, QualitativeGoalRating[] qualitative)
    {
        var indicators = evaluations.Select(e => (Definition: data.Indicators[e.Indicator], Evaluation: e)).ToArray();
        var areas = indicators
            .GroupBy(x => (x.Definition.Plan, x.Definition.Area))
            .OrderBy(g => g.Key.Plan).ThenBy(g => PlanAreas.Of(g.Key.Plan).ToList().FindIndex(a => a.Code == g.Key.Area))
            .Select(g => new AreaRatingSummary(PlanAreas.PlanCode(g.Key.Plan), g.Key.Area, PlanAreas.Of(g.Key.Plan).First(a => a.Code == g.Key.Area).NameZh,
                g.GroupBy(x => x.Evaluation.Evaluation?.Rating ?? "insufficientData").ToDictionary(r => r.Key, r => r.Count()),
                g.Aggregate(StatusCounts.Zero, (acc, x) => acc.Add(StatusCounts.Of(x.Evaluation.Status)))))
            .ToArray();
        return new EvaluationResponse(ApiMapping.Ref(unit), year, areas,
            [.. indicators.Select(x => new EvaluatedIndicatorResponse(new IndicatorRef(x.Definition.Code, x.Definition.NameZh), PlanAreas.PlanCode(x.Definition.Plan),
                x.Definition.Area, x.Definition.Unit, x.Evaluation))],
            qualitative);
    }
}
