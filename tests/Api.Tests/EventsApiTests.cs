using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Gateway.Apis;

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
    public async Task Streams_of_the_same_unit_share_one_watcher_and_all_hear_a_push()
    {
        // 内蒙古自治区 150000 → 呼和浩特市 150100 → 新城区 150102: no other test pushes there.
        var feed = fixture.Services.GetRequiredService<OrgUnitChangeFeed>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var streams = new List<(HttpResponseMessage Response, StreamReader Reader)>();
        for (var i = 0; i < 4; i++)
        {
            var response = await _http.GetAsync("/api/v1/events?orgUnits=150000", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            Assert.Equal("retry: 2000", await reader.ReadLineAsync(cts.Token));
            streams.Add((response, reader));
        }
        try
        {
            // Four pages, one watcher: about four version reads a second (fewer on a loaded machine), not sixteen.
            var polls = feed.Polls;
            await Task.Delay(1000, cts.Token);
            var perSecond = feed.Polls - polls;
            Assert.InRange(perSecond, 1, 8);

            Assert.Equal(HttpStatusCode.OK, (await _http.PostAsync("/api/v1/counties/150102/data-values", new StringContent(
                """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 7000 } ] }""", Encoding.UTF8, "application/json"), cts.Token)).StatusCode);
            foreach (var (_, reader) in streams)
            {
                string? line;
                while ((line = await reader.ReadLineAsync(cts.Token)) is not null && !line.StartsWith("data: ", StringComparison.Ordinal))
                {
                }
                Assert.Contains("\"150000\"", line, StringComparison.Ordinal);
            }
        }
        finally
        {
            foreach (var (response, reader) in streams)
            {
                reader.Dispose();
                response.Dispose();
            }
        }

        // The watcher stops with its last page.
        var clock = Stopwatch.StartNew();
        while (feed.Watched > 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }
        Assert.Equal(0, feed.Watched);
    }

    [Fact]
    public async Task Unknown_org_units_are_refused()
    {
        var response = await _http.GetAsync("/api/v1/events?orgUnits=999999");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }
}
