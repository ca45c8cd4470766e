using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Contracts;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// The gateway reuses a roll-up's version for Gateway:RollupVersionReuseMs (here 3 s, to make it observable): a change
/// that did not come through this gateway may be served that late, never later; a push or approval through this
/// gateway is visible to the next read at once.
/// </summary>
public sealed class RollupVersionReuseTests : IDisposable
{
    private readonly ApiFixture _fixture = new();
    private readonly HttpClient _http;

    public RollupVersionReuseTests()
    {
        _fixture.Settings["Gateway:RollupVersionReuseMs"] = "3000";
        _http = _fixture.CreateClient();
    }

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_write_through_this_gateway_is_seen_at_once_and_any_other_change_within_the_reuse_window()
    {
        // 广州市 440100: 荔湾区 440103 and 越秀区 440104, 广东省 440000.
        Assert.Equal(HttpStatusCode.OK, await Push("440103", 2, 20_000));
        Assert.Equal((2m, 20_000m), await Read("440000"));
        Assert.Equal((2m, 20_000m), await Read("440100"));

        // Through the gateway: the county's city and province forget their reusable versions.
        Assert.Equal(HttpStatusCode.OK, await Push("440104", 1, 10_000));
        Assert.Equal((3m, 30_000m), await Read("440000"));
        Assert.Equal((3m, 30_000m), await Read("440100"));

        // Around the gateway (another gateway, in a deployment with several): served from the reused version…
        var summary = await _fixture.Services.GetRequiredService<IGrainFactory>().GetGrain<ICountyGrain>(GrainKeys.OrgUnit("440103"))
            .PushAsync(new DataValueBatch(Guid.NewGuid(), "another-gateway", [new DataValueRow("maternal-mortality-rate", 2022, "", 4, 20_000, null, null)], false));
        Assert.True(summary.Accepted);
        Assert.Equal((3m, 30_000m), await Read("440100"));

        // …for at most the window.
        await Task.Delay(TimeSpan.FromSeconds(3.2));
        Assert.Equal((5m, 30_000m), await Read("440100"));
    }

    [Fact]
    public async Task The_gateway_counts_its_version_checks_by_answer_and_the_version_calls_it_made()
    {
        var operatorClient = _fixture.ClientAs("operator", "440000");
        var before = await VersionMetrics(operatorClient);

        await Read("440000");                            // no version of 广东省 read yet by this gateway: waits for a call
        await Read("440000");                            // within the 3 s window: the reusable version answers
        await Read("440000");

        // Counters of the process (other test classes' gateways may add to them meanwhile, never take away); the
        // exporter answers a scrape within its cache period from the previous one, so look until they show.
        var after = await VersionMetrics(operatorClient);
        for (var i = 0; i < 50 && after.Waited == before.Waited; i++)
        {
            await Task.Delay(100);
            after = await VersionMetrics(operatorClient);
        }
        Assert.True(after.Waited - before.Waited >= 1, $"waited: {before.Waited} → {after.Waited}");
        Assert.True(after.Reused - before.Reused >= 2, $"reused: {before.Reused} → {after.Reused}");
        Assert.True(after.Calls - before.Calls >= 1, $"calls: {before.Calls} → {after.Calls}");
    }

    /// <summary>The gateway's version checks by answer and its version calls, from /metrics (0 for a series not yet exported).</summary>
    private static async Task<(double Waited, double Reused, double Calls)> VersionMetrics(HttpClient operatorClient)
    {
        using var response = await operatorClient.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        double Sum(string name, string? label) => lines
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && (label is null || l.Contains(label, StringComparison.Ordinal)))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        return (Sum("orleansplans_rollup_version_checks_total", "answer=\"waited\""), Sum("orleansplans_rollup_version_checks_total", "answer=\"reused\""),
            Sum("orleansplans_rollup_version_calls_total", null));
    }

    private async Task<HttpStatusCode> Push(string county, decimal numerator, decimal denominator) =>
        (await _http.PostAsync($"/api/v1/counties/{county}/data-values", new StringContent(
            $$"""{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": {{numerator}}, "denominator": {{denominator}} } ] }""",
            Encoding.UTF8, "application/json"))).StatusCode;

    private async Task<(decimal?, decimal?)> Read(string orgUnit)
    {
        using var response = await _http.GetAsync($"/api/v1/org-units/{orgUnit}/rollup?year=2022");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["indicators"]!.AsArray()
            .FirstOrDefault(e => (string)e!["indicator"]! == "maternal-mortality-rate" && e["disaggregation"]!.AsObject().Count == 0);
        return ((decimal?)entry?["numerator"], (decimal?)entry?["denominator"]);
    }
}
