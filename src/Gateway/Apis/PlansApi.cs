using Microsoft.AspNetCore.Http.HttpResults;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Model;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

public static class PlansApi
{
    public sealed record PlanResponse(string County, string CountyName, string Plan, string Title, PlanPeriod Period, DateOnly? Issued, string? DocumentNumber,
        string? Source, IReadOnlyList<string> Notes, int? StatusYear, PlanAreaResponse[] Areas);

    public sealed record PlanAreaResponse(string Area, string NameZh, PlanGoalResponse[] Goals, PlanMeasureResponse[] Measures);

    public sealed record PlanGoalResponse(int No, string Text, PlanTargetResponse[] Targets);

    public sealed record PlanMeasureResponse(int No, string Title, DepartmentRef[] Lead, DepartmentRef[] Cooperating, PlanTargetResponse[] Targets);

    public sealed record DepartmentRef(string Name, string? Department);

    public sealed record PlanTargetResponse(string? Indicator, string? IndicatorNameZh, string? Subject, string Comparator, decimal? Value, string? Unit, int Year,
        bool Approximate, int? BaseYear, decimal? ChangePercent, string? ReferenceIndicator, IReadOnlyDictionary<string, string> Disaggregation, string? Text,
        decimal? CurrentValue, TargetStatus? Status);

    public static IEndpointRouteBuilder MapPlansApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/counties/{code}/plans/{plan}", GetPlanAsync)
            .WithTags("Plans")
            .WithName("GetPlan")
            .RequireOrgScope(OrgAccess.Read)
            .WithSummary("A county's women's or children's plan as the document has it: areas → goals → targets → measures with departments, and each target's current status");
        return app;
    }

    private static async Task<Results<Ok<PlanResponse>, ProblemHttpResult>> GetPlanAsync(string code, string plan, PlanData data, IGrainFactory grains)
    {
        if (data.ReportingUnit(code) is not { } county)
        {
            return ApiProblems.NotFound($"County-level unit '{code}'");
        }
        if (!PlanAreas.TryParsePlan(plan, out var kind))
        {
            return ApiProblems.NotFound($"Plan '{plan}' (use women or children)");
        }
        if (data.PlanOf(code, kind) is not { } document)
        {
            return ApiProblems.NotFound($"The {plan} plan of {county.Name} ({code})");
        }
        // Current status of each target indicator: the latest year with a figure at this county.
        var indicators = document.AllTargets.Select(t => t.Indicator).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var series = await Task.WhenAll(indicators.Select(i => grains.GetGrain<IIndicatorGrain>(GrainKeys.Indicator(code, i)).GetSeriesAsync()));
        var byIndicator = series.ToDictionary(s => s.Indicator, StringComparer.Ordinal);
        int? statusYear = null;

        PlanTargetResponse Target(PlanTarget t)
        {
            decimal? current = null;
            TargetStatus? status = null;
            if (t.Indicator is not null && byIndicator.TryGetValue(t.Indicator, out var s))
            {
                var disaggregation = Disaggregation.Key(t.Disaggregation);
                var latest = s.Series.FirstOrDefault(x => x.Disaggregation == disaggregation)?.Points.LastOrDefault(p => p.Value is not null);
                if (latest is not null)
                {
                    current = latest.Value;
                    status = latest.Status;
                    statusYear = Math.Max(statusYear ?? 0, latest.Year);
                }
            }
            return new PlanTargetResponse(t.Indicator, t.Indicator is null ? null : data.Indicators[t.Indicator].NameZh, t.Subject, t.Comparator, t.Value, t.Unit, t.Year,
                t.Approximate, t.BaseYear, t.ChangePercent, t.ReferenceIndicator, t.Disaggregation, t.Text, current, status);
        }

        DepartmentRef Department(string name) =>
            new(name, document.Departments.TryGetValue(name, out var canonical) ? canonical : data.ResolveDepartment(name)?.Code);

        var areas = document.Areas.Select(a => new PlanAreaResponse(a.Area, a.NameZh,
            [.. a.Goals.Select(g => new PlanGoalResponse(g.No, g.Text, [.. g.Targets.Select(Target)]))],
            [.. a.Measures.Select(m => new PlanMeasureResponse(m.No, m.Title, [.. m.Lead.Select(Department)], [.. m.Cooperating.Select(Department)], [.. m.Targets.Select(Target)]))]))
            .ToArray();
        return TypedResults.Ok(new PlanResponse(code, county.Name, plan, document.Title, document.Period, document.Issued, document.DocumentNumber, document.Source,
            document.Notes, statusYear, areas));
    }
}
