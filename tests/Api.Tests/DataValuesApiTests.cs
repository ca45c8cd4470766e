using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansPlans.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class DataValuesApiTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.CreateClient();

    private Task<HttpResponseMessage> PostJson(string county, string json, string query = "") =>
        _http.PostAsync($"/api/v1/counties/{county}/data-values{query}", new StringContent(json, Encoding.UTF8, "application/json"));

    private async Task<JsonNode> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private async Task<JsonNode?> RollupEntry(string orgUnit, int year, string indicator = "maternal-mortality-rate")
    {
        var json = await Json(await _http.GetAsync($"/api/v1/org-units/{orgUnit}/rollup?year={year}&children=true"));
        return json["indicators"]!.AsArray().FirstOrDefault(e => (string)e!["indicator"]! == indicator && e["disaggregation"]!.AsObject().Count == 0);
    }

    [Fact]
    public async Task Push_then_read_pooled_rate_at_city_and_province_and_resend_changes_nothing()
    {
        // 渠县 511725 and 通川区 511702 under 达州市 511700, 四川省 510000.
        const string quxian = """
            { "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 5000, "department": "县卫生健康局" },
                                        { "indicator": "maternal-mortality-rate", "disaggregation": { "area": "rural" }, "numerator": 1, "denominator": 3000 } ] }
            """;
        var first = await PostJson("511725", quxian);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var summary = await Json(first);
        Assert.Equal((2, 0, 0), ((int)summary["imported"]!, (int)summary["updated"]!, (int)summary["unchanged"]!));
        Assert.Equal(HttpStatusCode.OK, (await PostJson("511702", """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 0, "denominator": 15000 } ] }""")).StatusCode);

        var city = (await RollupEntry("511700", 2023))!;
        Assert.Equal(5m, (decimal)city["value"]!);            // (1 + 0) / (5,000 + 15,000) × 100,000 — not (20 + 0) / 2
        Assert.Equal(1m, (decimal)city["numerator"]!);
        Assert.Equal(20_000m, (decimal)city["denominator"]!);
        Assert.Equal(20m, (decimal)city["children"]!.AsArray().Single(c => (string)c!["orgUnit"]! == "511725")!["value"]!);
        var province = (await RollupEntry("510000", 2023))!;
        Assert.Equal(5m, (decimal)province["value"]!);

        var again = await Json(await PostJson("511725", quxian));
        Assert.Equal((0, 0, 2), ((int)again["imported"]!, (int)again["updated"]!, (int)again["unchanged"]!));
        Assert.Equal(20_000m, (decimal)(await RollupEntry("510000", 2023))!["denominator"]!);

        var consistency = await Json(await _http.GetAsync("/api/v1/org-units/510000/consistency"));
        Assert.True((bool)consistency["consistent"]!);
    }

    [Fact]
    public async Task A_batch_with_one_bad_row_is_rejected_whole_naming_that_row()
    {
        // 永济市 140881 (plan 2021–2025).
        var response = await PostJson("140881", """
            { "year": 2022, "values": [
                { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 5000 },
                { "indicator": "maternal-mortality-rate", "disaggregation": { "area": "urban" }, "numerator": 9, "denominator": 8 } ] }
            """);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await Json(response);
        Assert.Equal(400, (int)problem["status"]!);
        var error = Assert.Single(problem["errors"]!.AsArray());
        Assert.Equal((1, "numerator"), ((int)error!["row"]!, (string)error["field"]!));
        Assert.Null(await RollupEntry("140800", 2022)); // nothing applied, not even row 0
        Assert.Empty((await Json(await _http.GetAsync("/api/v1/org-units/140881/rollup?year=2022")))["indicators"]!.AsArray());
    }

    public static TheoryData<string, int?, string> BadRows => new()
    {
        { """{ "year": 2022, "values": [ { "indicator": "no-such-indicator", "numerator": 1, "denominator": 2 } ] }""", 0, "indicator" },
        { """{ "year": 2019, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 } ] }""", 0, "year" },
        { """{ "year": 2099, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 } ] }""", 0, "year" },
        { """{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "disaggregation": { "area": "suburban" }, "numerator": 1, "denominator": 2 } ] }""", 0, "disaggregation.area" },
        { """{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "disaggregation": { "planet": "mars" }, "numerator": 1, "denominator": 2 } ] }""", 0, "disaggregation.planet" },
        { """{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": -1, "denominator": 2 } ] }""", 0, "numerator" },
        { """{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1e400, "denominator": 2 } ] }""", 0, "numerator" },
        { """{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 3, "denominator": 2 } ] }""", 0, "numerator" },
        { """{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "denominator": 2 } ] }""", 0, "numerator" },
        { """{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": "1", "denominator": 2 } ] }""", 0, "numerator" },
        { """{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2, "colour": "red" } ] }""", 0, "colour" },
        { """{ "year": 2022, "values": [ { "numerator": 1, "denominator": 2 } ] }""", 0, "indicator" },
        { """{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2, "department": "外星局" } ] }""", 0, "department" },
        { """{ "year": 2022, "values": [ {}, { "indicator": "maternal-mortality-rate", "numerator": 1, "numerator": 1, "denominator": 2 } ] }""", null, "(body)" },
        { """{ "year": "2022", "values": [] }""", null, "year" },
        { """{ "year": 2022, "values": [ ] }""", null, "values" },
        { """{ "year": 2022 """, null, "(body)" },
        { """[ 1, 2 ]""", null, "(body)" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public async Task Each_validation_rule_names_the_row_and_field(string body, int? row, string field)
    {
        var response = await PostJson("421303", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Json(response))["errors"]!.AsArray();
        Assert.Contains(errors, e => (string)e!["field"]! == field && (row is null ? e["row"] is null : (int?)e["row"] == row));
        Assert.Empty((await Json(await _http.GetAsync("/api/v1/org-units/421303/rollup?year=2022")))["indicators"]!.AsArray());
    }

    [Fact]
    public async Task Unknown_county_is_404_problem_details()
    {
        var response = await PostJson("511700", """{ "year": 2022, "values": [] }""");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Wrong_content_type_and_oversized_bodies_are_refused()
    {
        var xml = await _http.PostAsync("/api/v1/counties/421303/data-values", new StringContent("<values/>", Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, xml.StatusCode);
        var huge = await PostJson("421303", "{\"year\":2022,\"values\":[" + new string(' ', 5 * 1024 * 1024) + "]}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
    }

    [Fact]
    public async Task Too_many_rows_are_refused()
    {
        var rows = string.Join(",", Enumerable.Range(0, 10_001).Select(_ => """{"indicator":"maternal-mortality-rate","numerator":1,"denominator":2}"""));
        var response = await PostJson("421303", $$"""{"year":2022,"values":[{{rows}}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most", (string)(await Json(response))["errors"]![0]!["message"]!);
    }

    [Fact]
    public async Task Dry_run_reports_counts_and_applies_nothing()
    {
        var response = await PostJson("410104", """{ "year": 2021, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 5000 } ] }""", "?dryRun=true");
        var summary = await Json(response);
        Assert.Equal(("validated", 1), ((string)summary["status"]!, (int)summary["imported"]!));
        Assert.Null(await RollupEntry("410100", 2021));
    }

    [Fact]
    public async Task Csv_batches_are_accepted_and_bad_csv_is_named()
    {
        const string csv = "year,indicator,area,numerator,denominator,department\n2021,maternal-mortality-rate,,2,6000,县卫生健康局\n2021,maternal-mortality-rate,rural,1,2500,\n";
        var ok = await _http.PostAsync("/api/v1/counties/220882/data-values", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(2, (int)(await Json(ok))["imported"]!);
        Assert.Equal(2m, (decimal)(await RollupEntry("220800", 2021))!["numerator"]!);

        const string bad = "year,indicator,numerator,denominator\n2021,maternal-mortality-rate,abc,6000\n";
        var rejected = await _http.PostAsync("/api/v1/counties/220882/data-values", new StringContent(bad, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        var error = (await Json(rejected))["errors"]![0]!;
        Assert.Equal((0, "numerator"), ((int)error["row"]!, (string)error["field"]!));

        var latin1 = new ByteArrayContent([.. Encoding.ASCII.GetBytes("year,indicator\n2021,"), 0xC4, 0xE3, 0x0A]);
        latin1.Headers.ContentType = new("text/csv");
        var notUtf8 = await _http.PostAsync("/api/v1/counties/220882/data-values", latin1);
        Assert.Equal(HttpStatusCode.BadRequest, notUtf8.StatusCode);
        Assert.Contains("UTF-8", await notUtf8.Content.ReadAsStringAsync());
    }
}
