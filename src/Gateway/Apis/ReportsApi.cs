using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Model;
using OrleansPlans.Gateway.Monitoring;
using OrleansPlans.Gateway.Reports;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

/// <summary>The annual monitoring report and the mid-term (2025) and final (2030) evaluation reports, generated from live data.</summary>
public static class ReportsApi
{
    public const int MidtermYear = 2025;
    public const int FinalYear = 2030;

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/org-units/{code}/reports/{kind}", GetAsync)
            .WithTags("Reports")
            .RequireOrgScope(OrgAccess.Read)
            .WithName("GetReport")
            .WithSummary("annual (year, default last year), midterm (2025) or final (2030) report of any org unit: printable Chinese HTML (format=html) or CSV (format=csv), as a download")
            .Produces(StatusCodes.Status200OK, contentType: "text/html")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        return app;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetAsync(
        string code, string kind, PlanData data, MonitoringQueries queries, IGrainFactory grains, TimeProvider time, IConfiguration configuration,
        Domain.Loading.ValidationRuleSet rules,
        [FromQuery] int? year, [FromQuery] string? format)
    {
        if (data.ViewedUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"Org unit '{code}'");
        }
        ReportKind reportKind;
        switch (kind)
        {
            case "annual": reportKind = ReportKind.Annual; break;
            case "midterm": reportKind = ReportKind.Midterm; break;
            case "final": reportKind = ReportKind.Final; break;
            default: return ApiProblems.BadRequest("kind must be annual, midterm or final");
        }
        if (format is not (null or "html" or "csv"))
        {
            return ApiProblems.BadRequest("format must be html or csv");
        }
        if (reportKind != ReportKind.Annual && year is not null)
        {
            return ApiProblems.BadRequest($"the {kind} report is for {(reportKind == ReportKind.Midterm ? MidtermYear : FinalYear)}; leave year out");
        }
        if (year is { } y0 && (y0 < data.BaselineYear || y0 > 2100))
        {
            return ApiProblems.BadRequest($"year must be between {data.BaselineYear} and 2100");
        }
        var now = time.GetUtcNow();
        var y = reportKind switch { ReportKind.Midterm => MidtermYear, ReportKind.Final => FinalYear, _ => year ?? now.Year - 1 };

        var evaluationTask = queries.EvaluationAsync(unit, y);
        var qualitativeTask = queries.QualitativeGoalsAsync(unit, y);
        var warningsTask = queries.CountyWarningsAsync(unit, new WarningFilter());
        var aggregateTask = queries.AggregateWarningsAsync(unit);
        var completenessTask = queries.CompletenessAsync(unit, y);
        var datasetsTask = queries.DatasetsAsync(unit, y);
        var measuresTask = queries.MeasureReportsAsync(unit, y);
        await Task.WhenAll(evaluationTask, qualitativeTask, warningsTask, aggregateTask, completenessTask, datasetsTask, measuresTask);

        var warnings = MonitoringQueries.Newest(warningsTask.Result, null).Where(w => w.Year <= y)
            .Select(w => MonitoringApi.Response(data, rules, w.OrgUnit, "county", w.Kind, w.Indicator, w.Year, w.Disaggregation, w.Rule, w.Department, w.Message, w.Numbers, w.RaisedAt, w.ClearedAt))
            .Concat(aggregateTask.Result.Where(w => w.Year <= y)
                .Select(w => MonitoringApi.Response(data, rules, unit.Code, ApiMapping.Level(unit.Level), w.Kind, w.Indicator, w.Year, w.Disaggregation, w.Rule, w.Department, w.Message, w.Numbers, null, null)))
            .ToArray();
        var approval = datasetsTask.Result.Aggregate(new ApprovalTally(y, 0, 0, 0, 0), (acc, d) => acc.Add(ApprovalTally.Of(y, d.State)));
        var report = new MonitoringReport(unit, reportKind, y, now, RollupApi.Notice(configuration, unit, data),
            MonitoringApi.Evaluation(data, unit, y, evaluationTask.Result, qualitativeTask.Result), warnings, completenessTask.Result, approval, measuresTask.Result);

        var fileName = $"{unit.Code}-{kind}-{y}";
        return format == "csv"
            ? TypedResults.File(Encoding.UTF8.GetBytes(ReportRenderer.Csv(report)), "text/csv; charset=utf-8", fileName + ".csv")
            : TypedResults.File(Encoding.UTF8.GetBytes(ReportRenderer.Html(report, data)), "text/html; charset=utf-8", fileName + ".html");
    }
}
