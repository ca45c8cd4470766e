using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Gateway.Apis;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// City and province roll-up responses are served from the gateway's version-tagged cache: repeated reads are the
/// same bytes without rebuilding, and any push that changes a cell is visible on the very next read.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RollupCacheTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.CreateClient();

    private RollupResponseCache Cache => fixture.Services.GetRequiredService<RollupResponseCache>();

    private async Task<HttpStatusCode> Push(string county, decimal numerator, decimal denominator) =>
        (await _http.PostAsync($"/api/v1/counties/{county}/data-values", new StringContent(
            $$"""{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": {{numerator}}, "denominator": {{denominator}} } ] }""",
            Encoding.UTF8, "application/json"))).StatusCode;

    private async Task<(string Body, decimal? Numerator, decimal? Denominator)> Read(string orgUnit, string query = "")
    {
        using var response = await _http.GetAsync($"/api/v1/org-units/{orgUnit}/rollup?year=2022{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        var entry = JsonNode.Parse(body)!["indicators"]!.AsArray()
            .FirstOrDefault(e => (string)e!["indicator"]! == "maternal-mortality-rate" && e["disaggregation"]!.AsObject().Count == 0);
        return (body, (decimal?)entry?["numerator"], (decimal?)entry?["denominator"]);
    }

    [Fact]
    public async Task Repeated_reads_hit_the_cache_and_a_push_is_visible_on_the_next_read()
    {
        // 广州市 440100: 荔湾区 440103 and 越秀区 440104, 广东省 440000.
        Assert.Equal(HttpStatusCode.OK, await Push("440103", 2, 20_000));
        var first = await Read("440000");
        Assert.Equal((2m, 20_000m), (first.Numerator, first.Denominator));

        var hits = Cache.Hits;
        var second = await Read("440000");
        Assert.Equal(first.Body, second.Body);
        Assert.True(Cache.Hits > hits, "the second read of an unchanged province was not served from the cache");

        // A change anywhere below moves the province's version: the next read is rebuilt and shows it.
        Assert.Equal(HttpStatusCode.OK, await Push("440104", 1, 10_000));
        Assert.Equal((3m, 30_000m), ((await Read("440000")).Numerator, (await Read("440000")).Denominator));
        Assert.Equal((3m, 30_000m), ((await Read("440100")).Numerator, (await Read("440100")).Denominator));
        Assert.Equal(HttpStatusCode.OK, await Push("440103", 4, 20_000));
        Assert.Equal((5m, 30_000m), ((await Read("440000")).Numerator, (await Read("440000")).Denominator));

        // Different filters and children are different entries, not each other's bytes.
        var children = await Read("440000", "&children=true");
        Assert.Contains("\"children\"", children.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"children\"", (await Read("440000")).Body, StringComparison.Ordinal);
        var children2 = await Read("440100", "&plan=children");
        Assert.Null(children2.Numerator);   // maternal mortality belongs to the women's plan
    }

    [Fact]
    public async Task A_cached_roll_up_carries_an_ETag_answers_304_for_it_and_is_gzipped_for_clients_that_accept_it()
    {
        // 佛山市 440600: 禅城区 440604.
        Assert.Equal(HttpStatusCode.OK, await Push("440604", 3, 30_000));
        using var first = await Get("/api/v1/org-units/440600/rollup?year=2022", gzip: true);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.Contains("Accept-Encoding", first.Headers.Vary);
        var plain = await first.Content.ReadAsByteArrayAsync();

        // The second reader of the same version gets the same document, gzipped, under the same ETag.
        using var second = await Get("/api/v1/org-units/440600/rollup?year=2022", gzip: true);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["gzip"], second.Content.Headers.ContentEncoding);
        Assert.Equal(etag, second.Headers.ETag);
        using (var unzip = new GZipStream(new MemoryStream(await second.Content.ReadAsByteArrayAsync()), CompressionMode.Decompress))
        using (var copy = new MemoryStream())
        {
            await unzip.CopyToAsync(copy);
            Assert.Equal(plain, copy.ToArray());
        }
        // Without Accept-Encoding: plain JSON.
        using var third = await Get("/api/v1/org-units/440600/rollup?year=2022", gzip: false);
        Assert.Empty(third.Content.Headers.ContentEncoding);
        Assert.Equal(plain, await third.Content.ReadAsByteArrayAsync());

        // A client holding this version is told so; after a change below it gets the new document and a new ETag.
        using var notModified = await Get("/api/v1/org-units/440600/rollup?year=2022", gzip: true, ifNoneMatch: etag);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, await Push("440604", 5, 30_000));
        using var changed = await Get("/api/v1/org-units/440600/rollup?year=2022", gzip: false, ifNoneMatch: etag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
        Assert.NotEqual(plain, await changed.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_city_or_province_indicator_page_is_cached_under_the_roll_up_version_and_a_push_is_visible_on_the_next_read()
    {
        // 兰州市 620100: 城关区 620102 (甘肃省: no other test pushes there).
        Assert.Equal(HttpStatusCode.OK, await Push("620102", 3, 10_000));
        const string page = "/api/v1/org-units/620100/indicators/maternal-mortality-rate";
        using var first = await Get(page, gzip: false);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        var body = await first.Content.ReadAsStringAsync();
        Assert.Equal(3m, Point2022(body)["numerator"]!.GetValue<decimal>());

        var hits = Cache.Hits;
        using var second = await Get(page, gzip: false, ifNoneMatch: etag);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        using var third = await Get(page, gzip: false);
        Assert.Equal(body, await third.Content.ReadAsStringAsync());
        Assert.True(Cache.Hits >= hits + 2, "repeated reads of an unchanged page were not served from the cache");

        // The page and the roll-up of the same unit are different entries, and a push moves both.
        Assert.Equal((3m, 10_000m), ((await Read("620100")).Numerator, (await Read("620100")).Denominator));
        Assert.Equal(HttpStatusCode.OK, await Push("620102", 7, 10_000));
        using var changed = await Get(page, gzip: false, ifNoneMatch: etag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(7m, Point2022(await changed.Content.ReadAsStringAsync())["numerator"]!.GetValue<decimal>());

        // County-level pages are not cached: they come from the indicator grain each time.
        using var county = await Get("/api/v1/org-units/620102/indicators/maternal-mortality-rate", gzip: false);
        Assert.Equal(HttpStatusCode.OK, county.StatusCode);
        Assert.Null(county.Headers.ETag);
    }

    [Fact]
    public async Task A_county_roll_up_carries_its_version_as_ETag_answers_304_for_it_and_a_push_moves_it()
    {
        // 内蒙古 呼和浩特市 回民区 150103: no other test pushes there.
        const string county = "150103";
        Assert.Equal(HttpStatusCode.OK, await Push(county, 2, 9_000));
        using var first = await Get($"/api/v1/org-units/{county}/rollup?year=2022", gzip: true);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.Contains("Accept-Encoding", first.Headers.Vary);

        // The page holding the current figures gets 304, and nothing is built for it.
        using var same = await Get($"/api/v1/org-units/{county}/rollup?year=2022", gzip: true, ifNoneMatch: etag);
        Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);

        // A push moves the county's version: the page's next reload gets the new figure under a new ETag.
        Assert.Equal(HttpStatusCode.OK, await Push(county, 3, 9_000));
        using var changed = await Get($"/api/v1/org-units/{county}/rollup?year=2022", gzip: false, ifNoneMatch: etag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
        var entry = JsonNode.Parse(await changed.Content.ReadAsStringAsync())!["indicators"]!.AsArray()
            .First(e => (string)e!["indicator"]! == "maternal-mortality-rate" && e["disaggregation"]!.AsObject().Count == 0)!;
        Assert.Equal((3m, 9_000m), (entry["numerator"]!.GetValue<decimal>(), entry["denominator"]!.GetValue<decimal>()));
    }

    private static JsonNode Point2022(string seriesBody) =>
        JsonNode.Parse(seriesBody)!["series"]!.AsArray().First(s => s!["disaggregation"]!.AsObject().Count == 0)!["points"]!.AsArray()
            .First(p => (int)p!["year"]! == 2022)!;

    private async Task<HttpResponseMessage> Get(string path, bool gzip, EntityTagHeaderValue? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (gzip)
        {
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        }
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(ifNoneMatch);
        }
        return await _http.SendAsync(request);
    }
}
