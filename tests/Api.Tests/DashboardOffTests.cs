using System.Net;

namespace OrleansPlans.Api.Tests;

/// <summary>A gateway (embedded silo) with Orleans:Dashboard=false: no dashboard endpoints, /metrics as before.</summary>
public sealed class DashboardOffTests : IDisposable
{
    private readonly ApiFixture _fixture = new();

    public DashboardOffTests() => _fixture.Settings["Orleans:Dashboard"] = "false";

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Without_the_dashboard_an_operator_finds_no_dashboard_but_still_the_metrics()
    {
        var operatorClient = _fixture.ClientAs("operator", "510000");

        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        var metrics = await operatorClient.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("orleans_", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
