using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;

namespace OrleansPlans.Gateway.Security;

/// <summary>The authorization policies. Every endpoint names one (tests enumerate the endpoints to make sure).</summary>
public static class Policies
{
    /// <summary>Any caller with a known role: reference data such as the catalogue and the divisions.</summary>
    public const string Authenticated = "authenticated";
    /// <summary>Province administrators: keys, role assignments, the audit trail.</summary>
    public const string Admin = "admin";
    /// <summary>Administrators and operators: the Orleans dashboard and /metrics.</summary>
    public const string Operations = "operations";

    /// <summary>The policy of an org-scoped access level ("org:read", "org:push", …).</summary>
    public static string Org(OrgAccess access) => "org:" + access.ToString().ToLowerInvariant();

    public static void Configure(AuthorizationOptions options)
    {
        var knownRole = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(PlansClaims.Role, Roles.All).RequireClaim(PlansClaims.OrgUnit).Build();
        options.AddPolicy(Authenticated, knownRole);
        options.AddPolicy(Admin, p => p.Combine(knownRole).RequireClaim(PlansClaims.Role, Roles.ProvinceAdmin));
        options.AddPolicy(Operations, p => p.Combine(knownRole).RequireClaim(PlansClaims.Role, Roles.ProvinceAdmin, Roles.Operator));
        // The org-scoped policies hold their one requirement only: OrgScopeHandler itself refuses an unauthenticated
        // caller and a principal without a known role or an org unit, so knownRole's three requirements added nothing
        // there but their cost on every API request (the pass-through handler enumerating the caller's claims twice:
        // 4.5 % of the gateway's CPU per roll-up read in session 10's profile). OrgScopeHandlerTests pin that down.
        foreach (var access in Enum.GetValues<OrgAccess>())
        {
            options.AddPolicy(Org(access), p => p.AddRequirements(new OrgScopeRequirement(access)));
        }
        // Default deny: an endpoint (or a path no endpoint matched) without a policy of its own needs a known role.
        options.FallbackPolicy = knownRole;
    }
}

/// <summary>Where an org-scoped endpoint names the org unit(s) it acts on: a route value, or a comma-separated query value.</summary>
public sealed record OrgScopeMetadata(OrgAccess Access, string Parameter, bool FromQuery);

public sealed record OrgScopeRequirement(OrgAccess Access) : IAuthorizationRequirement;

public static class OrgScopeEndpointExtensions
{
    /// <summary>
    /// Declares an endpoint org-scoped: the caller's role must allow <paramref name="access"/>, and the org unit in
    /// route value <paramref name="routeParameter"/> must be the caller's scope unit or below it. Otherwise 401/403.
    /// </summary>
    public static TBuilder RequireOrgScope<TBuilder>(this TBuilder builder, OrgAccess access, string routeParameter = "code")
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Policies.Org(access)).WithMetadata(new OrgScopeMetadata(access, routeParameter, FromQuery: false));

    /// <summary>As <see cref="RequireOrgScope{TBuilder}"/>, for a query parameter listing org units (every one must be in scope).</summary>
    public static TBuilder RequireOrgScopeFromQuery<TBuilder>(this TBuilder builder, OrgAccess access, string queryParameter)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Policies.Org(access)).WithMetadata(new OrgScopeMetadata(access, queryParameter, FromQuery: true));
}

/// <summary>
/// Checks role and org-unit scope of an org-scoped endpoint (the resource is the HttpContext of endpoint routing). It is
/// the whole org policy: an unauthenticated caller, or a principal without a known role or an org unit, never succeeds.
/// </summary>
public sealed class OrgScopeHandler(OrgScope scope) : AuthorizationHandler<OrgScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OrgScopeRequirement requirement)
    {
        if (context.Resource is not HttpContext http || PlansPrincipal.From(context.User) is not { } principal || !Roles.All.Contains(principal.Role))
        {
            return Task.CompletedTask;
        }
        if (!principal.Allows(requirement.Access))
        {
            context.Fail(new AuthorizationFailureReason(this, $"role '{principal.Role}' may not {Verb(requirement.Access)}"));
            return Task.CompletedTask;
        }
        var metadata = http.GetEndpoint()?.Metadata.GetMetadata<OrgScopeMetadata>() ?? new OrgScopeMetadata(requirement.Access, "code", false);
        List<string>? outside = null;
        if (!metadata.FromQuery)
        {
            // The common case, once per request: one unit from the route, checked without building a list.
            if (http.GetRouteValue(metadata.Parameter) is string code && !scope.Contains(principal.OrgUnit, code))
            {
                outside = [code];
            }
        }
        else
        {
            foreach (var unit in http.Request.Query[metadata.Parameter].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!scope.Contains(principal.OrgUnit, unit))
                {
                    (outside ??= []).Add(unit);
                }
            }
        }
        if (outside is not null)
        {
            context.Fail(new AuthorizationFailureReason(this, $"{string.Join(", ", outside.Take(5))} is outside your scope {principal.OrgUnit}"));
            return Task.CompletedTask;
        }
        context.Succeed(requirement);
        return Task.CompletedTask;
    }

    private static string Verb(OrgAccess access) => access switch
    {
        OrgAccess.Read => "read figures",
        OrgAccess.Push => "push data values",
        OrgAccess.Submit => "submit figures for approval",
        OrgAccess.Approve => "approve figures",
        OrgAccess.MeasureReport => "report on measures",
        _ => "administer",
    };
}

/// <summary>
/// 403 answers as ProblemDetails that say why (role or scope); 401 keeps the scheme's challenge (WWW-Authenticate),
/// and the status-code-pages middleware adds the ProblemDetails body.
/// </summary>
public sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).Distinct().ToArray() ?? [];
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status403Forbidden,
                    Title = "Forbidden",
                    Detail = reasons.Length > 0 ? string.Join("; ", reasons) : "Your role does not allow this.",
                    Type = Apis.ApiProblems.TypeBase + "forbidden",
                },
            });
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
