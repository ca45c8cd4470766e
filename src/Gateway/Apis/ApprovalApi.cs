using Microsoft.AspNetCore.Http.HttpResults;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Model;
using OrleansPlans.Gateway.Monitoring;

namespace OrleansPlans.Gateway.Apis;

/// <summary>A comment for returning or un-approving (required there), optional elsewhere.</summary>
/// <param name="Level">For approve and unapprove: city (default) or province.</param>
/// <param name="ReturnToCounty">For a city's un-approval: reopen the dataset for the county instead of back to submitted.</param>
public sealed record ApprovalRequest(string? Comment, string? Level, bool? ReturnToCounty);

public sealed record SubtreeDatasetsResponse(OrgUnitRef OrgUnit, int Year, ApprovalTally Tally, DatasetApprovalView[] Counties);

public sealed record ProvinceApprovalResponse(OrgUnitRef OrgUnit, int Year, int Approved, ApprovalTally Tally);

/// <summary>
/// The approval of counties' annual datasets: the county submits, the city approves or returns it with a comment, the
/// province approves once all its cities have; approved data is locked; every transition is recorded with who and when.
/// </summary>
public static class ApprovalApi
{
    public static IEndpointRouteBuilder MapApprovalApi(this IEndpointRouteBuilder app)
    {
        var county = app.MapGroup("/api/v1/counties/{code}/datasets/{year:int}").WithTags("Approval");
        county.MapGet("", GetAsync).WithName("GetDataset").WithSummary("A county's annual dataset: approval state, lock and history");
        county.MapPost("/submit", (string code, int year, ApprovalRequest? body, HttpContext http, PlanData data, IGrainFactory grains) =>
                TransitionAsync(code, year, "submit", "county", body, http, data, grains))
            .WithName("SubmitDataset").WithSummary("The county submits its dataset of the year to the city");
        county.MapPost("/approve", (string code, int year, ApprovalRequest? body, HttpContext http, PlanData data, IGrainFactory grains) =>
                ApproveCountyAsync(code, year, body, http, data, grains))
            .WithName("ApproveDataset").WithSummary("The city approves a submitted dataset (level=city), or the province one its city approved (level=province)");
        county.MapPost("/return", (string code, int year, ApprovalRequest? body, HttpContext http, PlanData data, IGrainFactory grains) =>
                TransitionAsync(code, year, "return", "city", body, http, data, grains))
            .WithName("ReturnDataset").WithSummary("The city returns a submitted dataset to the county with a comment");
        county.MapPost("/unapprove", (string code, int year, ApprovalRequest? body, HttpContext http, PlanData data, IGrainFactory grains) =>
                TransitionAsync(code, year, "unapprove", body?.Level ?? "city", body, http, data, grains))
            .WithName("UnapproveDataset").WithSummary("Lifts an approval (level=city or province) with a comment, so figures can change again");

        var subtree = app.MapGroup("/api/v1/org-units/{code}/datasets/{year:int}").WithTags("Approval");
        subtree.MapGet("", GetSubtreeAsync).WithName("GetSubtreeDatasets").WithSummary("Approval state of every county dataset of a city or province in a year");
        subtree.MapPost("/approve", ApproveProvinceAsync).WithName("ApproveProvinceDatasets")
            .WithSummary("The province approves the year's datasets of all its counties, once every city has approved all of its own");
        return app;
    }

    private static async Task<Results<Ok<DatasetApprovalView>, ProblemHttpResult>> GetAsync(string code, int year, PlanData data, IGrainFactory grains)
    {
        if (Validate(code, year, data) is { } problem)
        {
            return problem;
        }
        return TypedResults.Ok(await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(code)).GetDatasetAsync(year));
    }

    private static async Task<Results<Ok<DatasetApprovalView>, ProblemHttpResult>> ApproveCountyAsync(
        string code, int year, ApprovalRequest? body, HttpContext http, PlanData data, IGrainFactory grains)
    {
        if (body?.Level == "province" && data.OrgUnit(code) is { Level: OrgUnitLevel.County } unit)
        {
            var province = data.ChainOf(unit.Code).First(u => u.Level == OrgUnitLevel.Province);
            var datasets = await new MonitoringQueries(data, grains).DatasetsAsync(province, year);
            return await TransitionAsync(code, year, "approve", "province", body, http, data, grains, AllApproved(datasets));
        }
        return await TransitionAsync(code, year, "approve", body?.Level ?? "city", body, http, data, grains);
    }

    private static bool AllApproved(IEnumerable<DatasetApprovalView> datasets) => datasets.All(d => d.State is "approvedByCity" or "approvedByProvince");

    private static async Task<Results<Ok<DatasetApprovalView>, ProblemHttpResult>> TransitionAsync(
        string code, int year, string action, string role, ApprovalRequest? body, HttpContext http, PlanData data, IGrainFactory grains, bool allCitiesApproved = false)
    {
        if (Validate(code, year, data) is { } problem)
        {
            return problem;
        }
        if (role is not ("county" or "city" or "province"))
        {
            return ApiProblems.BadRequest("level must be city or province");
        }
        if (body?.Comment is { Length: > 2000 })
        {
            return ApiProblems.BadRequest("comment is longer than 2,000 characters");
        }
        var actor = http.User.Identity?.Name ?? "anonymous";
        var command = new ApprovalCommand(action, role, actor, body?.Comment, body?.ReturnToCounty ?? false, allCitiesApproved);
        var outcome = await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(code)).TransitionDatasetAsync(year, command);
        return outcome.Error is null ? TypedResults.Ok(outcome.Dataset) : Refused(outcome);
    }

    private static ProblemHttpResult Refused(ApprovalOutcome outcome) => outcome.Error switch
    {
        "commentRequired" or "badRequest" => TypedResults.Problem(title: "Approval action refused", detail: outcome.Message, statusCode: StatusCodes.Status400BadRequest,
            type: ApiProblems.TypeBase + outcome.Error, extensions: new Dictionary<string, object?> { ["state"] = outcome.Dataset.State }),
        _ => TypedResults.Problem(title: "Approval action refused", detail: outcome.Message, statusCode: StatusCodes.Status409Conflict,
            type: ApiProblems.TypeBase + outcome.Error, extensions: new Dictionary<string, object?> { ["state"] = outcome.Dataset.State }),
    };

    private static ProblemHttpResult? Validate(string code, int year, PlanData data)
    {
        if (data.OrgUnit(code) is not { Level: OrgUnitLevel.County })
        {
            return ApiProblems.NotFound($"County-level unit '{code}'");
        }
        return year < data.BaselineYear || year > 2100 ? ApiProblems.BadRequest($"year must be between {data.BaselineYear} and 2100") : null;
    }

    private static async Task<Results<Ok<SubtreeDatasetsResponse>, ProblemHttpResult>> GetSubtreeAsync(string code, int year, PlanData data, MonitoringQueries queries)
    {
        if (data.OrgUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"Org unit '{code}'");
        }
        var datasets = await queries.DatasetsAsync(unit, year);
        return TypedResults.Ok(new SubtreeDatasetsResponse(ApiMapping.Ref(unit), year, Tally(year, datasets), datasets));
    }

    private static ApprovalTally Tally(int year, IEnumerable<DatasetApprovalView> datasets) =>
        datasets.Aggregate(new ApprovalTally(year, 0, 0, 0, 0), (acc, d) => acc.Add(ApprovalTally.Of(year, d.State)));

    private static async Task<Results<Ok<ProvinceApprovalResponse>, ProblemHttpResult>> ApproveProvinceAsync(
        string code, int year, ApprovalRequest? body, HttpContext http, PlanData data, IGrainFactory grains, MonitoringQueries queries)
    {
        if (data.OrgUnit(code) is not { Level: OrgUnitLevel.Province } unit)
        {
            return ApiProblems.NotFound($"Province '{code}'");
        }
        var datasets = await queries.DatasetsAsync(unit, year);
        var notReady = datasets.Where(d => d.State is not ("approvedByCity" or "approvedByProvince")).ToArray();
        if (notReady.Length > 0)
        {
            var cities = notReady.Select(d => data.OrgUnit(d.County)!.ParentCode!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            return TypedResults.Problem(title: "Not all cities have approved", statusCode: StatusCodes.Status409Conflict, type: ApiProblems.TypeBase + "citiesNotAllApproved",
                detail: $"{notReady.Length} county dataset(s) of {year} are not approved by their city ({cities.Length} cities)",
                extensions: new Dictionary<string, object?>
                {
                    ["cities"] = cities.Select(c => new { code = c, name = data.OrgUnit(c)?.Name }).ToArray(),
                    ["counties"] = notReady.Take(200).Select(d => new { code = d.County, state = d.State }).ToArray(),
                });
        }
        var actor = http.User.Identity?.Name ?? "anonymous";
        var approved = 0;
        foreach (var d in datasets.Where(d => d.State == "approvedByCity"))
        {
            var outcome = await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(d.County))
                .TransitionDatasetAsync(year, new ApprovalCommand("approve", "province", actor, body?.Comment, AllCitiesApproved: true));
            approved += outcome.Error is null ? 1 : 0;
        }
        return TypedResults.Ok(new ProvinceApprovalResponse(ApiMapping.Ref(unit), year, approved, Tally(year, await queries.DatasetsAsync(unit, year))));
    }
}
