using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// 东莞市 (441900) and 中山市 (442000) are prefecture-level cities without county-level divisions: each reports as its own
/// county-level unit under the code of the city, and the province rolls it up as one of its 21 cities.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class CityWithoutCountiesTests(ApiFixture fixture)
{
    private readonly HttpClient _admin = fixture.CreateClient();

    private static Task<HttpResponseMessage> PostJson(HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private async Task<JsonNode> Get(string path, HttpClient? client = null)
    {
        var response = await (client ?? _admin).GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static JsonNode Total(JsonNode rollup, string indicator) =>
        rollup["indicators"]!.AsArray().Single(e => (string)e!["indicator"]! == indicator && e["disaggregation"]!.AsObject().Count == 0)!;

    [Fact]
    public async Task Dongguan_is_a_city_of_guangdong_and_its_own_county_level_reporting_unit()
    {
        var division = await Get("/api/v1/divisions/441900");
        Assert.Equal(("东莞市", "county", true, 1), ((string)division["name"]!, (string)division["level"]!, (bool)division["standsForCity"]!, (int)division["countyLevelUnits"]!));
        Assert.Equal(["440000"], division["parents"]!.AsArray().Select(p => (string)p!["code"]!).ToArray());
        Assert.Empty(division["children"]!.AsArray());

        var guangdong = await Get("/api/v1/divisions/440000");
        Assert.Equal(21, guangdong["children"]!.AsArray().Count);
        Assert.Contains(guangdong["children"]!.AsArray(), c => (string)c!["code"]! == "441900" && (string)c["level"]! == "prefecture");
        Assert.Equal(124, (int)guangdong["countyLevelUnits"]!); // 122 county-level divisions + 东莞市 + 中山市
        Assert.False((bool)(await Get("/api/v1/divisions/440106"))["standsForCity"]!); // 天河区, an ordinary district
    }

    [Fact]
    public async Task Dongguan_and_zhongshan_push_figures_that_roll_up_into_guangdong_as_pooled_rates()
    {
        var dongguan = fixture.ClientAs("county-reporter", "441900");
        var zhongshan = fixture.ClientAs("county-reporter", "442000");
        Assert.Equal(HttpStatusCode.OK, (await PostJson(dongguan, "/api/v1/counties/441900/data-values",
            """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 3, "denominator": 100000, "department": "市卫生健康局" } ] }""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostJson(zhongshan, "/api/v1/counties/442000/data-values",
            """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 25000 } ] }""")).StatusCode);
        // A reporter of one city cannot report for the other.
        Assert.Equal(HttpStatusCode.Forbidden, (await PostJson(dongguan, "/api/v1/counties/442000/data-values",
            """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 25000 } ] }""")).StatusCode);

        // The page of 441900 is the reporting unit's own figures.
        var own = Total(await Get("/api/v1/org-units/441900/rollup?year=2023"), "maternal-mortality-rate");
        Assert.Equal((3m, 100_000m, 3m), ((decimal)own["numerator"]!, (decimal)own["denominator"]!, (decimal)own["value"]!));
        var series = await Get("/api/v1/org-units/441900/indicators/maternal-mortality-rate");
        Assert.Equal(("441900", "county"), ((string)series["orgUnit"]!["code"]!, (string)series["orgUnit"]!["level"]!));

        // The province: Σnum/Σden over the two cities (4 / 125,000 × 100,000 = 3.2), each listed as a child city.
        var province = Total(await Get("/api/v1/org-units/440000/rollup?year=2023&children=true"), "maternal-mortality-rate");
        Assert.Equal((4m, 125_000m, 3.2m, 2), ((decimal)province["numerator"]!, (decimal)province["denominator"]!, (decimal)province["value"]!, (int)province["reportingUnits"]!));
        var children = province["children"]!.AsArray();
        Assert.Equal(3m, (decimal)children.Single(c => (string)c!["orgUnit"]! == "441900")!["value"]!);
        Assert.Equal(4m, (decimal)children.Single(c => (string)c!["orgUnit"]! == "442000")!["value"]!);
        Assert.True((bool)(await Get("/api/v1/org-units/440000/consistency"))["consistent"]!);
    }

    [Fact]
    public async Task Dongguans_city_approver_approves_what_dongguan_submits()
    {
        var reporter = fixture.ClientAs("county-reporter", "441900");
        var approver = fixture.ClientAs("city-approver", "441900");
        Assert.Equal(HttpStatusCode.OK, (await PostJson(reporter, "/api/v1/counties/441900/data-values",
            """{ "year": 2024, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 2, "denominator": 100000 } ] }""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostJson(reporter, "/api/v1/counties/441900/datasets/2024/submit", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostJson(fixture.ClientAs("city-approver", "442000"), "/api/v1/counties/441900/datasets/2024/approve", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostJson(approver, "/api/v1/counties/441900/datasets/2024/approve", "{}")).StatusCode);
        Assert.Equal("approvedByCity", (string)(await Get("/api/v1/counties/441900/datasets/2024", approver))["state"]!);

        // The province cannot approve yet: the cities still to approve are named by their own codes (中山市 among
        // them, 东莞市 not), never the province's.
        var notYet = await PostJson(fixture.ClientAs("province-approver", "440000"), "/api/v1/org-units/440000/datasets/2024/approve", "{}");
        Assert.Equal(HttpStatusCode.Conflict, notYet.StatusCode);
        var cities = JsonNode.Parse(await notYet.Content.ReadAsStringAsync())!["cities"]!.AsArray().Select(c => (string)c!["code"]!).ToArray();
        Assert.Contains("442000", cities);
        Assert.DoesNotContain("441900", cities);
        Assert.DoesNotContain("440000", cities);
        Assert.Equal(20, cities.Length);
    }
}
