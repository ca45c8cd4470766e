using Microsoft.AspNetCore.Http.HttpResults;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Model;
using OrleansPlans.Gateway.Monitoring;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

/// <summary>A comment for returning or un-approving (required there), optional elsewhere; send <c>{}</c> when there is nothing to say.</summary>
/// <param name="Level">Optional check: the level the caller means to act at (county, city or province); it must be the caller's own.</param>
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
        county.MapGet("", GetAsync).RequireOrgScope(OrgAccess.Read).WithName("GetDataset").WithSummary("A county's annual dataset: approval state, lock and history");
        (string Action, OrgAccess Access, string Name, string Summary)[] transitions =
        [
            ("submit", OrgAccess.Submit, "SubmitDataset", "The county submits its dataset of the year to the city (county reporter)"),
            ("approve", OrgAccess.Approve, "ApproveDataset", "The city approver approves a submitted dataset; the province approver one its city approved, once all cities have"),
            ("return", OrgAccess.Approve, "ReturnDataset", "The city approver returns a submitted dataset to the county with a comment"),
            ("unapprove", OrgAccess.Approve, "UnapproveDataset", "Lifts the caller's level's approval with a comment, so figures can change again"),
        ];
        foreach (var (action, access, name, summary) in transitions)
        {
            county.MapPost("/" + action, (string code, int year, StrictBody<ApprovalRequest> body, HttpContext http, PlanData data, IGrainFactory grains, RollupGrains rollups, IAuditLog audit, TimeProvider time) =>
                    TransitionAsync(code, year, action, body, http, data, grains, rollups, audit, time))
                .RequireOrgScope(access)
                .WithName(name).WithSummary(summary);
        }

        var subtree = app.MapGroup("/api/v1/org-units/{code}/datasets/{year:int}").WithTags("Approval");
        subtree.MapGet("", GetSubtreeAsync).RequireOrgScope(OrgAccess.Read).WithName("GetSubtreeDatasets")
            .WithSummary("Approval state of every county dataset of a city or province in a year");
        subtree.MapPost("/approve", ApproveProvinceAsync).RequireOrgScope(OrgAccess.Approve).WithName("ApproveProvinceDatasets")
            .WithSummary("The province approver approves the year's datasets of all its counties, once every city has approved all of its own");
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

    private static bool AllApproved(IEnumerable<DatasetApprovalView> datasets) => datasets.All(d => d.State is "approvedByCity" or "approvedByProvince");

    /// <summary>The approval level a caller acts at follows from its role, never from the request.</summary>
    private static string? LevelOf(PlansPrincipal principal, string action) => (action, principal.Role) switch
    {
        ("submit", Roles.CountyReporter or Roles.ProvinceAdmin) => "county",
        (not "submit", Roles.CityApprover) => "city",
        (not "submit", Roles.ProvinceApprover) => "province",
        _ => null,
    };

    private static async Task<Results<Ok<DatasetApprovalView>, ProblemHttpResult>> TransitionAsync(
        string code, int year, string action, StrictBody<ApprovalRequest> strict, HttpContext http, PlanData data, IGrainFactory grains, RollupGrains rollups, IAuditLog audit, TimeProvider time)
    {
        if (Validate(code, year, data) is { } problem)
        {
            return problem;
        }
        if (strict.Problem is { } invalid)
        {
            return invalid;
        }
        var body = strict.Value;
        var principal = PlansPrincipal.From(http.User)!;
        if (LevelOf(principal, action) is not { } role)
        {
            return ApiProblems.Forbidden($"a {principal.Role} cannot {action} a dataset");
        }
        if (body?.Level is { } level && level != role)
        {
            return ApiProblems.Forbidden($"a {principal.Role} acts at the {role} level, not the {level} level");
        }
        if (body?.Comment is { Length: > 2000 })
        {
            return ApiProblems.BadRequest("comment is longer than 2,000 characters");
        }
        var allCitiesApproved = false;
        if (role == "province" && action == "approve")
        {
            var province = data.ChainOf(code).First(u => u.Level == OrgUnitLevel.Province);
            allCitiesApproved = AllApproved(await new MonitoringQueries(data, grains).DatasetsAsync(province, year));
        }
        var grain = grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(code));
        var command = new ApprovalCommand(action, role, principal.Subject, body?.Comment, body?.ReturnToCounty ?? false, allCitiesApproved);
        var outcome = await grain.TransitionDatasetAsync(year, command);
        rollups.Written(code);
        if (outcome.Error is not null)
        {
            return Refused(outcome);
        }
        await Audit(audit, time, principal, code, year, action, outcome.Dataset);
        return TypedResults.Ok(outcome.Dataset);
    }

    private static Task Audit(IAuditLog audit, TimeProvider time, PlansPrincipal principal, string county, int year, string action, DatasetApprovalView after)
    {
        var last = after.History[^1];
        return audit.AppendAsync(new AuditRecord(time.GetUtcNow(), principal.Subject, "approval." + action, county, $"dataset:{year}",
            AuditActions.Json(new { state = last.From }), AuditActions.Json(new { state = last.To, role = last.Role, comment = last.Comment })));
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
        if (data.ReportingUnit(code) is null)
        {
            return ApiProblems.NotFound($"County-level unit '{code}'");
        }
        return year < data.BaselineYear || year > 2100 ? ApiProblems.BadRequest($"year must be between {data.BaselineYear} and 2100") : null;
    }

    private static async Task<Results<Ok<SubtreeDatasetsResponse>, ProblemHttpResult>> GetSubtreeAsync(string code, int year, PlanData data, MonitoringQueries queries)
    {
        if (data.ViewedUnit(code) is not { } unit)
        {
            return ApiProblems.NotFound($"Org unit '{code}'");
        }
        var datasets = await queries.DatasetsAsync(unit, year);
        return TypedResults.Ok(new SubtreeDatasetsResponse(ApiMapping.Ref(unit), year, Tally(year, datasets), datasets));
    }

    private static ApprovalTally Tally(int year, IEnumerable<DatasetApprovalView> datasets) =>
        datasets.Aggregate(new ApprovalTally(year, 0, 0, 0, 0), (acc, d) => acc.Add(ApprovalTally.Of(year, d.State)));

    private static async Task<Results<Ok<ProvinceApprovalResponse>, ProblemHttpResult>> ApproveProvinceAsync(
        string code, int year, StrictBody<ApprovalRequest> strict, HttpContext http, PlanData data, IGrainFactory grains, RollupGrains rollups, MonitoringQueries queries, IAuditLog audit, TimeProvider time)
    {
        if (strict.Problem is { } invalid)
        {
            return invalid;
        }
        var body = strict.Value;
        if (data.OrgUnit(code) is not { Level: OrgUnitLevel.Province } unit)
        {
            return ApiProblems.NotFound($"Province '{code}'");
        }
        var datasets = await queries.DatasetsAsync(unit, year);
        var notReady = datasets.Where(d => d.State is not ("approvedByCity" or "approvedByProvince")).ToArray();
        if (notReady.Length > 0)
        {
            var cities = notReady.Select(d => data.ReportingUnit(d.County)!.ParentCode!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            return TypedResults.Problem(title: "Not all cities have approved", statusCode: StatusCodes.Status409Conflict, type: ApiProblems.TypeBase + "citiesNotAllApproved",
                detail: $"{notReady.Length} county dataset(s) of {year} are not approved by their city ({cities.Length} cities)",
                extensions: new Dictionary<string, object?>
                {
                    ["cities"] = cities.Select(c => new { code = c, name = data.OrgUnit(c)?.Name }).ToArray(),
                    ["counties"] = notReady.Take(200).Select(d => new { code = d.County, state = d.State }).ToArray(),
                });
        }
        var principal = PlansPrincipal.From(http.User)!;
        if (principal.Role != Roles.ProvinceApprover)
        {
            return ApiProblems.Forbidden($"a {principal.Role} cannot give the province's approval");
        }
        var approved = 0;
        foreach (var d in datasets.Where(d => d.State == "approvedByCity"))
        {
            var outcome = await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(d.County))
                .TransitionDatasetAsync(year, new ApprovalCommand("approve", "province", principal.Subject, body?.Comment, AllCitiesApproved: true));
            rollups.Written(d.County);
            if (outcome.Error is null)
            {
                approved++;
                await Audit(audit, time, principal, d.County, year, "approve", outcome.Dataset);
            }
        }
        return TypedResults.Ok(new ProvinceApprovalResponse(ApiMapping.Ref(unit), year, approved, Tally(year, await queries.DatasetsAsync(unit, year))));
    }
}
