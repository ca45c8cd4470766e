using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Monitoring;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

/// <param name="Department">The reporting lead department (code or local name); may be left out when the measure has one lead.</param>
public sealed record MeasureReportRequest(string? Plan, string? Area, int? Measure, int? Year, string? Status, string? Narrative, string? Department);

public sealed record MeasureProgressResponse(string Plan, string Area, int Measure, string Title, string[] Lead, string[] LeadDepartments, MeasureReport[] Reports);

/// <summary>Lead departments' yearly progress reports on the measures (主要措施) of a county's plans.</summary>
public static class MeasuresApi
{
    public const int MaxNarrative = 4000;

    public static IEndpointRouteBuilder MapMeasuresApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/counties/{code}/measure-reports").WithTags("Measures");
        api.MapPost("", RecordAsync).RequireOrgScope(OrgAccess.MeasureReport).WithName("RecordMeasureReport")
            .WithSummary("A lead department reports a measure's progress for a year: status (notStarted, onTrack, delayed, completed) and a narrative");
        api.MapGet("", ListAsync).RequireOrgScope(OrgAccess.Read).WithName("GetMeasureReports")
            .WithSummary("Every measure of the county's plans with its lead departments and their progress reports");
        return app;
    }

    private static async Task<Results<Ok<MeasureReport>, ProblemHttpResult>> RecordAsync(
        string code, StrictBody<MeasureReportRequest> strict, PlanData data, IGrainFactory grains, TimeProvider time, HttpContext http, IAuditLog audit)
    {
        if (strict.Problem is { } invalid)
        {
            return invalid;
        }
        var body = strict.Value;
        if (data.ReportingUnit(code) is null)
        {
            return ApiProblems.NotFound($"County-level unit '{code}'");
        }
        if (body is null)
        {
            return ApiProblems.BadRequest("A JSON body is required");
        }
        var errors = new List<RowError>();
        void Error(string field, string message) => errors.Add(new RowError(-1, field, message));
        Plan? plan = null;
        if (!PlanAreas.TryParsePlan(body.Plan, out var kind))
        {
            Error("plan", "plan must be women or children");
        }
        else if ((plan = data.PlanOf(code, kind)) is null)
        {
            Error("plan", $"{code} has no {body.Plan} plan on record");
        }
        var area = plan?.Areas.FirstOrDefault(a => a.Area == body.Area);
        if (plan is not null && area is null)
        {
            Error("area", $"the plan has no area '{body.Area}'");
        }
        var measure = area?.Measures.FirstOrDefault(m => m.No == body.Measure);
        if (area is not null && measure is null)
        {
            Error("measure", $"area {area.Area} has no measure {body.Measure}");
        }
        var now = time.GetUtcNow();
        if (body.Year is not { } year || plan is not null && (year < plan.Period.Start || year > plan.Period.End) || year > now.Year)
        {
            Error("year", plan is null ? "year is required" : $"year must be within the plan period {plan.Period.Start}–{plan.Period.End} and not in the future");
        }
        if (body.Status is null || !MeasureReport.Statuses.Contains(body.Status))
        {
            Error("status", $"status must be one of {string.Join(", ", MeasureReport.Statuses)}");
        }
        if (string.IsNullOrWhiteSpace(body.Narrative) || body.Narrative.Length > MaxNarrative)
        {
            Error("narrative", $"a narrative of 1–{MaxNarrative} characters is required");
        }
        string? department = null;
        if (measure is not null && plan is not null)
        {
            var leads = LeadCodes(plan, measure, data);
            department = body.Department is null
                ? (leads.Length == 1 ? leads[0] : null)
                : plan.Departments.GetValueOrDefault(body.Department) ?? data.ResolveDepartment(body.Department)?.Code;
            if (department is null || !leads.Contains(department))
            {
                Error("department", body.Department is null
                    ? $"measure {measure.No} has {leads.Length} lead departments; say which one reports"
                    : $"'{body.Department}' does not lead measure {measure.No} (leads: {string.Join("、", measure.Lead)})");
            }
        }
        if (errors.Count > 0)
        {
            return ApiProblems.InvalidBatch(errors);
        }
        var principal = PlansPrincipal.From(http.User)!;
        if (principal.Role == Roles.DepartmentReporter && principal.Department != department)
        {
            return ApiProblems.Forbidden($"a reporter of {principal.Department} cannot report for {department}, the measure's lead department named here");
        }
        var departmentGrain = grains.GetGrain<IDepartmentGrain>(GrainKeys.Department(code, department!));
        var report = new MeasureReport(PlanAreas.PlanCode(kind), area!.Area, measure!.No, body.Year!.Value, body.Status!, body.Narrative!.Trim(), department!,
            principal.Subject, now);
        var before = (await departmentGrain.GetAsync()).Measures?.FirstOrDefault(m => m.Key == report.Key);
        await departmentGrain.RecordMeasureAsync(report);
        await audit.AppendAsync(new AuditRecord(now, principal.Subject, "measure-report.record", code, $"measure:{report.Key}",
            before is null ? null : AuditActions.Json(before), AuditActions.Json(report)));
        return TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<MeasureProgressResponse[]>, ProblemHttpResult>> ListAsync(
        string code, PlanData data, MonitoringQueries queries, [FromQuery] int? year)
    {
        if (data.ReportingUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"County-level unit '{code}'");
        }
        var reports = await queries.MeasureReportsAsync(unit, year);
        var byMeasure = reports.ToLookup(r => (r.Plan, r.Area, r.Measure));
        return TypedResults.Ok(data.Plans.Where(p => p.County == code).OrderBy(p => p.Kind)
            .SelectMany(p => p.Areas.SelectMany(a => a.Measures.Select(m => new MeasureProgressResponse(
                PlanAreas.PlanCode(p.Kind), a.Area, m.No, m.Title, [.. m.Lead], LeadCodes(p, m, data),
                [.. byMeasure[(PlanAreas.PlanCode(p.Kind), a.Area, m.No)].OrderBy(r => r.Year).ThenBy(r => r.Department, StringComparer.Ordinal)]))))
            .ToArray());
    }

    private static string[] LeadCodes(Plan plan, PlanMeasure measure, PlanData data) =>
        [.. measure.Lead.Select(name => plan.Departments.GetValueOrDefault(name) ?? data.ResolveDepartment(name)?.Code).OfType<string>().Distinct(StringComparer.Ordinal)];
}
