using System.Diagnostics;
using System.Net;
using System.Text;

namespace OrleansPlans.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class EventsApiTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.CreateClient();

    [Fact]
    public async Task An_open_stream_hears_of_a_push_within_a_second()
    {
        // 青海省 630000 → 西宁市 630100 → 城东区 630102.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await _http.GetAsync("/api/v1/events?orgUnits=630000,630100", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        Assert.Equal("retry: 2000", await reader.ReadLineAsync(cts.Token));
        await Task.Delay(600, cts.Token); // let the stream record the current versions

        var clock = Stopwatch.StartNew();
        var push = await _http.PostAsync("/api/v1/counties/630102/data-values", new StringContent(
            """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 9000 } ] }""", Encoding.UTF8, "application/json"), cts.Token);
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        var acknowledged = clock.Elapsed;

        var heard = new HashSet<string>();
        while (heard.Count < 2)
        {
            var line = await reader.ReadLineAsync(cts.Token);
            if (line?.StartsWith("data: ", StringComparison.Ordinal) == true)
            {
                heard.Add(line.Contains("\"630000\"", StringComparison.Ordinal) ? "630000" : "630100");
            }
        }
        Assert.True(clock.Elapsed - acknowledged < TimeSpan.FromSeconds(1), $"event {clock.Elapsed - acknowledged} after the 2xx");
    }

    [Fact]
    public async Task Unknown_org_units_are_refused()
    {
        var response = await _http.GetAsync("/api/v1/events?orgUnits=999999");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }
}
