using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace OrleansPlans.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class ReadApiTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.CreateClient();

    private async Task<JsonNode> Get(string url)
    {
        var response = await _http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task Catalogue_lists_every_indicator_with_its_definition()
    {
        var indicators = (await Get("/api/v1/indicators")).AsArray();
        Assert.True(indicators.Count > 100);
        var mmr = indicators.Single(i => (string)i!["code"]! == "maternal-mortality-rate")!;
        Assert.Equal(("孕产妇死亡率", "rate", "lower", "pooled-ratio", "1/10万"),
            ((string)mmr["nameZh"]!, (string)mmr["kind"]!, (string)mmr["direction"]!, (string)mmr["aggregation"]!, (string)mmr["unit"]!));
        Assert.Equal(100_000m, (decimal)mmr["factor"]!);
    }

    [Fact]
    public async Task Division_has_parent_chain_and_children()
    {
        var quxian = await Get("/api/v1/divisions/511725");
        Assert.Equal("渠县", (string)quxian["name"]!);
        Assert.Equal(["511700", "510000"], quxian["parents"]!.AsArray().Select(p => (string)p!["code"]!).ToArray());
        var sichuan = await Get("/api/v1/divisions/510000");
        Assert.Equal(21, sichuan["children"]!.AsArray().Count);
        Assert.Equal(183, (int)sichuan["countyLevelUnits"]!);
        var missing = await _http.GetAsync("/api/v1/divisions/999999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Indicator_series_and_department_views()
    {
        // 曾都区 421303 → 随州市 421300.
        var push = await _http.PostAsync("/api/v1/counties/421303/data-values", new StringContent(
            """{ "year": 2024, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 8000, "department": "区卫健局" } ] }""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);

        var series = await Get("/api/v1/org-units/421303/indicators/maternal-mortality-rate");
        var total = series["series"]!.AsArray().Single(s => s!["disaggregation"]!.AsObject().Count == 0)!;
        var point = total["points"]!.AsArray().Single(p => (int)p!["year"]! == 2024)!;
        Assert.Equal((12.5m, "health"), ((decimal)point["value"]!, (string)point["department"]!));
        Assert.NotEmpty(total["targets"]!.AsArray());

        var city = await Get("/api/v1/org-units/421300/indicators/maternal-mortality-rate");
        Assert.Equal(2024, (int)city["latestYear"]!);

        var department = await Get("/api/v1/counties/421303/departments/health");
        Assert.Contains(department["reported"]!.AsArray(), r => (string)r!["indicator"]! == "maternal-mortality-rate" && (int)r["year"]! == 2024);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/v1/counties/421303/departments/no-such")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/v1/org-units/421303/indicators/no-such")).StatusCode);
    }

    [Fact]
    public async Task Series_carry_a_progress_rating_and_projection()
    {
        // 西藏 540000 → 拉萨市 540100 → 城关区 540102: maternal mortality 2020 = 3/20,000 (15 per 10万), 2024 = 2/20,000 (10).
        foreach (var (year, deaths) in new[] { (2020, 3), (2024, 2) })
        {
            var push = await _http.PostAsync("/api/v1/counties/540102/data-values", new StringContent(
                $$"""{ "year": {{year}}, "values": [ { "indicator": "maternal-mortality-rate", "numerator": {{deaths}}, "denominator": 20000 } ] }""",
                Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        }
        foreach (var code in new[] { "540102", "540100", "540000" })
        {
            var evaluation = (await Get($"/api/v1/org-units/{code}/indicators/maternal-mortality-rate"))["evaluation"]!;
            // National default < 12 per 10万 by 2030; 10 already meets it.
            Assert.Equal((2024, 2020, "achieved"), ((int)evaluation["year"]!, (int)evaluation["baseYear"]!, (string)evaluation["rating"]!));
            Assert.Equal(10m, (decimal)evaluation["currentValue"]!);
            Assert.False((bool)evaluation["projectedToMiss"]!);
        }
    }

    [Fact]
    public async Task Health_and_openapi_are_served()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/readyz")).StatusCode);
        var openapi = await Get("/swagger/v1/swagger.json");
        Assert.NotNull(openapi["paths"]!["/api/v1/counties/{code}/data-values"]);
    }

    [Fact]
    public async Task The_openapi_document_and_its_ui_are_public()
    {
        using var anonymous = fixture.AnonymousClient();
        var document = await anonymous.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.NotNull(JsonNode.Parse(await document.Content.ReadAsStringAsync())!["paths"]!["/api/v1/org-units/{code}/rollup"]);
        var ui = await anonymous.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("OrleansPlans API", await ui.Content.ReadAsStringAsync());
        // The API itself still asks for credentials.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/org-units/510000/rollup")).StatusCode);
    }
}

[Collection(ApiCollection.Name)]
public sealed class PlanApiTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.CreateClient();

    [Fact]
    public async Task A_plan_is_served_as_the_document_has_it_with_departments_and_status()
    {
        // 大安市's task list names lead and cooperating departments for every measure.
        var push = await _http.PostAsync("/api/v1/counties/220882/data-values", new StringContent(
            """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 20000 } ] }""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);

        var response = await _http.GetAsync("/api/v1/counties/220882/plans/women");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var plan = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(8, plan["areas"]!.AsArray().Count);
        var health = plan["areas"]![0]!;
        Assert.Equal("health", (string)health["area"]!);
        var measure = health["measures"]![0]!;
        Assert.NotEmpty(measure["lead"]!.AsArray());
        Assert.Contains(measure["lead"]!.AsArray(), d => (string?)d!["department"] == "health");
        var mmr = health["goals"]!.AsArray().SelectMany(g => g!["targets"]!.AsArray()).First(t => (string?)t!["indicator"] == "maternal-mortality-rate")!;
        Assert.Equal(5m, (decimal)mmr["currentValue"]!);
        Assert.Equal("met", (string)mmr["status"]!);

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/v1/counties/511702/plans/women")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/v1/counties/220882/plans/men")).StatusCode);
    }
}
