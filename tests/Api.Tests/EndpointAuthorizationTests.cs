using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Api.Tests;

/// <summary>Default deny: every endpoint the gateway maps carries authorization metadata, and only the named ones are anonymous.</summary>
[Collection(ApiCollection.Name)]
public sealed class EndpointAuthorizationTests(ApiFixture fixture)
{
    /// <summary>Anonymous by design: the probes and (embedded mode only) the development issuer.</summary>
    private static readonly HashSet<string> Anonymous = ["GET /healthz", "GET /readyz", "POST /api/v1/dev/tokens"];

    private IReadOnlyList<RouteEndpoint> Endpoints()
    {
        _ = fixture.Server; // start the host
        return [.. fixture.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()];
    }

    private static string Describe(RouteEndpoint e) =>
        $"{string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])} /{e.RoutePattern.RawText?.TrimStart('/')}";

    [Fact]
    public void Every_endpoint_has_an_authorization_policy_or_is_an_allowed_anonymous_one()
    {
        var endpoints = Endpoints();
        Assert.True(endpoints.Count > 20, $"only {endpoints.Count} endpoints found");
        var missing = endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null && e.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0)
            .Select(Describe).ToArray();
        Assert.True(missing.Length == 0, "endpoints without authorization metadata: " + string.Join("; ", missing));
        var anonymous = endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(Describe).ToHashSet();
        Assert.Equal(Anonymous.Order(), anonymous.Order());
    }

    [Fact]
    public void Every_endpoint_that_names_an_org_unit_checks_its_scope()
    {
        var unscoped = Endpoints()
            .Where(e => e.RoutePattern.RawText is { } p && (p.StartsWith("/api/v1/org-units/{code}", StringComparison.Ordinal) || p.StartsWith("/api/v1/counties/{code}", StringComparison.Ordinal)))
            .Where(e => e.Metadata.GetMetadata<OrgScopeMetadata>() is null || !e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy?.StartsWith("org:", StringComparison.Ordinal) == true))
            .Select(Describe).ToArray();
        Assert.True(unscoped.Length == 0, "org-unit endpoints without RequireOrgScope: " + string.Join("; ", unscoped));
    }

    [Fact]
    public void The_dashboard_metrics_and_admin_endpoints_need_administrators_or_operators()
    {
        foreach (var e in Endpoints().Where(e => e.RoutePattern.RawText is { } p && (p.StartsWith("/dashboard", StringComparison.Ordinal)
                     || p.StartsWith("/metrics", StringComparison.Ordinal) || p.StartsWith("/api/v1/admin", StringComparison.Ordinal))))
        {
            var policies = e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToArray();
            Assert.True(policies.Contains(Policies.Admin) || policies.Contains(Policies.Operations), $"{Describe(e)}: {string.Join(",", policies)}");
        }
    }
}
