using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// The org-scoped policies hold only the org-scope requirement (Policies.Configure), so its handler alone must refuse
/// what the fallback policy's known-role requirements refuse: no authentication, an unknown role, no org unit.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OrgScopeHandlerTests(ApiFixture fixture)
{
    private static ClaimsPrincipal Principal(string? authenticationType, params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), authenticationType, PlansClaims.Subject, PlansClaims.Role));

    private async Task<bool> AllowsAsync(ClaimsPrincipal user, OrgAccess access, string code)
    {
        _ = fixture.Server;
        var handler = new OrgScopeHandler(fixture.Services.GetRequiredService<OrgScope>());
        var http = new DefaultHttpContext();
        http.Request.RouteValues["code"] = code;
        var context = new AuthorizationHandlerContext([new OrgScopeRequirement(access)], user, http);
        await handler.HandleAsync(context);
        return context.HasSucceeded;
    }

    [Fact]
    public async Task Only_an_authenticated_principal_with_a_known_role_and_an_org_unit_in_scope_succeeds()
    {
        var viewer = Principal("Bearer", (PlansClaims.Subject, "v"), (PlansClaims.Role, Roles.Viewer), (PlansClaims.OrgUnit, "511725"));
        Assert.True(await AllowsAsync(viewer, OrgAccess.Read, "511725"));
        Assert.False(await AllowsAsync(viewer, OrgAccess.Read, "511702"));
        Assert.False(await AllowsAsync(viewer, OrgAccess.Push, "511725"));

        // The same claims without authentication, an unknown role, no role, no org unit: never.
        Assert.False(await AllowsAsync(Principal(null, (PlansClaims.Role, Roles.Viewer), (PlansClaims.OrgUnit, "511725")), OrgAccess.Read, "511725"));
        Assert.False(await AllowsAsync(Principal("Bearer", (PlansClaims.Role, "superuser"), (PlansClaims.OrgUnit, Roles.NationalScope)), OrgAccess.Read, "511725"));
        Assert.False(await AllowsAsync(Principal("Bearer", (PlansClaims.OrgUnit, Roles.NationalScope)), OrgAccess.Read, "511725"));
        Assert.False(await AllowsAsync(Principal("Bearer", (PlansClaims.Role, Roles.ProvinceAdmin)), OrgAccess.Read, "511725"));
    }
}
