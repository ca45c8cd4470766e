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
