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

    [Fact]
    public async Task The_metrics_carry_the_request_rate_limiter_and_authorization_series()
    {
        var operatorClient = _fixture.ClientAs("operator", "510000");
        Assert.Equal(HttpStatusCode.OK, (await _fixture.ClientAs("viewer", "511725").GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync("/metrics")).StatusCode);
        // The exporter collects on a scrape; the second one shows the requests made before the first.
        var text = await (await operatorClient.GetAsync("/metrics")).Content.ReadAsStringAsync();
        foreach (var series in new[] { "http_server_request_duration_seconds_bucket", "http_server_active_requests", "aspnetcore_rate_limiting_requests", "aspnetcore_authorization_attempts" })
        {
            Assert.Contains(series, text, StringComparison.Ordinal);
        }
    }
}
