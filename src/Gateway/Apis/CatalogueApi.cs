using Microsoft.AspNetCore.Http.HttpResults;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Model;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

public static class CatalogueApi
{
    public static IEndpointRouteBuilder MapCatalogueApi(this IEndpointRouteBuilder app)
    {
        // Reference data: any caller with a known role.
        var api = app.MapGroup("/api/v1").WithTags("Catalogue").RequireAuthorization(Policies.Authenticated);

        api.MapGet("/indicators", (PlanData data, string? plan, string? area) =>
                TypedResults.Ok(data.IndicatorList
                    .Where(i => plan is null || PlanAreas.PlanCode(i.Plan) == plan)
                    .Where(i => area is null || i.Area == area)
                    .Select(ApiMapping.Indicator).ToArray()))
            .WithName("ListIndicators").WithSummary("The indicator catalogue (filter by plan=women|children and area)");

        api.MapGet("/indicators/{code}", Results<Ok<IndicatorResponse>, ProblemHttpResult> (PlanData data, string code) =>
                data.Indicators.TryGetValue(code, out var i) ? TypedResults.Ok(ApiMapping.Indicator(i)) : ApiProblems.NotFound($"Indicator '{code}'"))
            .WithName("GetIndicator").WithSummary("One indicator of the catalogue");

        api.MapGet("/divisions/{code}", Results<Ok<DivisionResponse>, ProblemHttpResult> (PlanData data, string code) =>
            {
                if (data.ViewedUnit(code) is not { } unit)
                {
                    return ApiProblems.NotFound($"Division '{code}'");
                }
                var parents = data.ChainOf(code).Skip(1).Select(ApiMapping.Ref).ToArray();
                // A city without counties is shown as the county-level unit it reports as (StandsForCity), without children.
                var children = unit.Level == OrgUnitLevel.County ? [] : data.ChildrenOf(code).Select(ApiMapping.Ref).ToArray();
                var plans = data.Plans.Where(p => p.County == code).Select(p => PlanAreas.PlanCode(p.Kind)).Order(StringComparer.Ordinal).ToArray();
                return TypedResults.Ok(new DivisionResponse(unit.Code, unit.Name, ApiMapping.Level(unit.Level), parents, children, data.LeavesOf(code).Count(), plans, unit.StandsForCity));
            })
            .WithName("GetDivision").WithSummary("An org unit with its parent chain and children (six-digit GB/T 2260 code)");

        api.MapGet("/divisions", (PlanData data) =>
                TypedResults.Ok(data.OrgUnits.Values.Where(o => o.Level == OrgUnitLevel.Province).OrderBy(o => o.Code, StringComparer.Ordinal).Select(ApiMapping.Ref).ToArray()))
            .WithName("ListProvinces").WithSummary("The provinces");

        api.MapGet("/departments", (PlanData data) =>
                TypedResults.Ok(data.Departments.Values.OrderBy(d => d.Code, StringComparer.Ordinal)
                    .Select(d => new { d.Code, d.NameZh, d.NameEn, d.Aliases }).ToArray()))
            .WithName("ListDepartments").WithSummary("Canonical departments and the local names that map onto them");
        return app;
    }
}
