using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Placement.Rebalancing;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// Orleans:RebalanceActivations (off by default) adds Orleans' activation rebalancer to the silo; the gateway with its
/// embedded silo serves as before.
/// </summary>
public sealed class RebalanceActivationsTests : IDisposable
{
    private readonly ApiFixture _on = new();
    private readonly ApiFixture _off = new();

    public RebalanceActivationsTests() => _on.Settings["Orleans:RebalanceActivations"] = "true";

    public void Dispose()
    {
        _on.Dispose();
        _off.Dispose();
    }

    [Fact]
    public async Task The_setting_adds_the_rebalancer_and_the_silo_serves_as_before()
    {
        var client = _on.ClientAs("viewer", "511725");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
        Assert.NotNull(_on.Services.GetService<IActivationRebalancer>());

        Assert.Equal(HttpStatusCode.OK, (await _off.ClientAs("viewer", "511725").GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
        Assert.Null(_off.Services.GetService<IActivationRebalancer>());
    }
}
