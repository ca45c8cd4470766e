using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Model;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

public static class CountyApi
{
    public static IEndpointRouteBuilder MapCountyApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/counties/{code}").WithTags("Counties").RequireOrgScope(OrgAccess.Read);

        api.MapGet("/departments/{department}", GetDepartmentAsync)
            .WithName("GetDepartment")
            .WithSummary("What a department of a county reports and has reported (canonical code such as health, or a local name such as 县卫生健康局)");

        api.MapGet("/summary", GetSummaryAsync)
            .WithName("GetCountySummary")
            .WithSummary("Targets by status for each plan area of a county in a year");
        return app;
    }

    private static async Task<Results<Ok<DepartmentResponse>, ProblemHttpResult>> GetDepartmentAsync(string code, string department, PlanData data, IGrainFactory grains)
    {
        if (data.ReportingUnit(code) is null)
        {
            return ApiProblems.NotFound($"County-level unit '{code}'");
        }
        if (data.ResolveDepartment(department) is not { } canonical)
        {
            return ApiProblems.NotFound($"Department '{department}'");
        }
        var view = await grains.GetGrain<IDepartmentGrain>(GrainKeys.Department(code, canonical.Code)).GetAsync();
        var localNames = data.Plans.Where(p => p.County == code).SelectMany(p => p.Departments).Where(kv => kv.Value == canonical.Code)
            .Select(kv => kv.Key).Distinct(StringComparer.Ordinal).ToArray();
        return TypedResults.Ok(new DepartmentResponse(code, canonical.Code, canonical.NameZh, canonical.NameEn, localNames,
            [.. view.ResponsibleFor.Select(i => new IndicatorRef(i, data.Indicators.TryGetValue(i, out var d) ? d.NameZh : i))], view.Reported));
    }

    private static async Task<Results<Ok<AreaSummary[]>, ProblemHttpResult>> GetSummaryAsync(string code, PlanData data, IGrainFactory grains, TimeProvider time, [FromQuery] int? year)
    {
        if (data.ReportingUnit(code) is null)
        {
            return ApiProblems.NotFound($"County-level unit '{code}'");
        }
        return TypedResults.Ok(await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(code)).GetAreaSummaryAsync(year ?? time.GetUtcNow().Year - 1));
    }
}
