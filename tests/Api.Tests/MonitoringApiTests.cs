using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OrleansPlans.Gateway.Reports;

namespace OrleansPlans.Api.Tests;

/// <summary>Ratings, warnings, completeness, measure reports, approval and reports through the REST API.</summary>
[Collection(ApiCollection.Name)]
public sealed class MonitoringApiTests(ApiFixture fixture)
{
    private readonly HttpClient _http = fixture.CreateClient();

    private Task<HttpResponseMessage> PostJson(string path, string json, HttpClient? client = null) =>
        (client ?? _http).PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonNode> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private async Task<JsonNode> Get(string path)
    {
        var response = await _http.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await Json(response);
    }

    /// <summary>
    /// China's published national figures 2020–2024 (国家卫生健康委《中国卫生健康统计年鉴》/统计公报): maternal mortality
    /// 16.9, 16.1, 15.7, 15.1, 14.3 per 100,000; infant mortality 5.4, 5.0, 4.9, 4.5, 4.0‰; under-5 mortality
    /// 7.5, 7.1, 6.8, 6.2, 5.6‰ — pushed as counts over 10 million live births into 芙蓉区 430102 (national default targets:
    /// &lt; 12/10万, &lt; 5‰, &lt; 6‰ by 2030), then compared with the Statistics Canada rating and the UN projection computed here.
    /// </summary>
    [Fact]
    public async Task National_figures_are_rated_and_projected_as_an_independent_calculation_says()
    {
        const decimal births = 10_000_000m;
        double[] mmr = [16.9, 16.1, 15.7, 15.1, 14.3], imr = [5.4, 5.0, 4.9, 4.5, 4.0], u5mr = [7.5, 7.1, 6.8, 6.2, 5.6];
        var rows = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            rows.Add(Row("maternal-mortality-rate", 2020 + i, (decimal)mmr[i] * births / 100_000m, births));
            rows.Add(Row("infant-mortality-rate", 2020 + i, (decimal)imr[i] * births / 1_000m, births));
            rows.Add(Row("under5-mortality-rate", 2020 + i, (decimal)u5mr[i] * births / 1_000m, births));
        }
        var push = await PostJson("/api/v1/counties/430102/data-values", $$"""{ "year": 2024, "values": [ {{string.Join(",", rows)}} ] }""");
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);

        // Independent calculation (monitoring-methods.md): R = d·CAGR_obs / |CAGR_req| with d = −1 for "lower is better".
        var cagrObserved = Math.Pow(14.3 / 16.9, 1.0 / 4) - 1;
        var cagrRequired = Math.Pow(12.0 / 16.9, 1.0 / 10) - 1;
        var ratio = -cagrObserved / Math.Abs(cagrRequired);           // 1.2147…: ≥ 0.95 → on track
        var projected2030 = 14.3 * Math.Pow(1 + cagrObserved, 6);    // 11.13 < 12: not projected to miss
        Assert.True(ratio >= 0.95 && projected2030 < 12);

        foreach (var unit in new[] { "430102", "430100" }) // the county and its city (the only county of 长沙市 with figures)
        {
            var evaluation = await Get($"/api/v1/org-units/{unit}/evaluation?year=2024");
            JsonNode Of(string indicator) => evaluation["indicators"]!.AsArray().Single(i => (string)i!["indicator"]!["code"]! == indicator)!["evaluation"]!;
            var m = Of("maternal-mortality-rate");
            Assert.Equal(14.3m, (decimal)m["value"]!);
            Assert.Equal("notMet", (string)m["status"]!);
            Assert.Equal("onTrack", (string)m["evaluation"]!["rating"]!);
            Assert.Equal(2020, (int)m["evaluation"]!["baseYear"]!);
            Assert.InRange((double)m["evaluation"]!["score"]! - ratio, -1e-6, 1e-6);
            Assert.InRange((double)m["evaluation"]!["projectedValue"]! - projected2030, -1e-6, 1e-6);
            Assert.False((bool)m["evaluation"]!["projectedToMiss"]!);
            Assert.Equal("achieved", (string)Of("infant-mortality-rate")["evaluation"]!["rating"]!);   // 4.0 < 5.0
            Assert.Equal("achieved", (string)Of("under5-mortality-rate")["evaluation"]!["rating"]!);  // 5.6 < 6.0

            // Rated as of 2022, under-5 mortality (6.8 against < 6) was not yet achieved: R from 7.5 → 6.8 over 2 years.
            var asOf2022 = await Get($"/api/v1/org-units/{unit}/evaluation?year=2022");
            var u5 = asOf2022["indicators"]!.AsArray().Single(i => (string)i!["indicator"]!["code"]! == "under5-mortality-rate")!["evaluation"]!;
            var r2022 = -(Math.Pow(6.8 / 7.5, 0.5) - 1) / Math.Abs(Math.Pow(6.0 / 7.5, 0.1) - 1);
            Assert.InRange((double)u5["evaluation"]!["score"]! - r2022, -1e-6, 1e-6);
            Assert.Equal(r2022 >= 0.95 ? "onTrack" : "moderateProgress", (string)u5["evaluation"]!["rating"]!);
        }

        // None of these series is projected to miss or swings (the largest change, 5.4 → 5.0‰, is 7.4%).
        var warnings = await Get("/api/v1/org-units/430102/warnings?state=all");
        Assert.DoesNotContain(warnings["warnings"]!.AsArray(), w => (string)w!["kind"]! is "projectedMiss" or "fluctuation" or "validationRule"
            && (string)w["indicator"]! is "maternal-mortality-rate" or "infant-mortality-rate" or "under5-mortality-rate");
        Assert.DoesNotContain(warnings["warnings"]!.AsArray(), w => (string)w!["kind"]! == "missingAfterDeadline" && (string)w["indicator"]! == "maternal-mortality-rate" && (int)w["year"]! <= 2024);
        var missing = warnings["warnings"]!.AsArray().Single(w => (string)w!["kind"]! == "missingAfterDeadline" && (string)w["indicator"]! == "maternal-mortality-rate" && (int)w["year"]! == 2025)!;
        Assert.Matches(@"^2025年数据应于2026-03-31前报送，已逾期\d+天未报$", (string)missing["messageZh"]!);
    }

    private static string Row(string indicator, int year, decimal numerator, decimal denominator) =>
        $$"""{ "indicator": "{{indicator}}", "year": {{year}}, "numerator": {{numerator.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "denominator": {{denominator.ToString(System.Globalization.CultureInfo.InvariantCulture)}} }""";

    [Fact]
    public async Task A_worsening_series_raises_a_projected_miss_naming_the_lead_department_filterable_by_subtree()
    {
        // 长安区 130102: 20 → 24 per 100,000.
        var push = await PostJson("/api/v1/counties/130102/data-values", """
            { "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "year": 2021, "numerator": 200, "denominator": 1000000 },
                                        { "indicator": "maternal-mortality-rate", "numerator": 240, "denominator": 1000000 } ] }
            """);
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        foreach (var unit in new[] { "130102", "130100", "130000" }) // 长安区, 石家庄市, 河北省
        {
            var json = await Get($"/api/v1/org-units/{unit}/warnings?kind=projectedMiss&plan=women&area=health&department=卫生健康局&indicator=maternal-mortality-rate");
            var w = json["warnings"]!.AsArray().Single(x => (string)x!["orgUnit"]! == "130102")!;
            Assert.Equal(("health", "卫生健康局", 2022), ((string)w["department"]!, (string)w["departmentNameZh"]!, (int)w["year"]!));
            Assert.Equal(12d, (double)w["numbers"]!["target"]!);
            Assert.StartsWith("按20→24 1/10万的趋势推算，2030年预计为", (string)w["messageZh"]!);
            Assert.EndsWith("难以达到目标值12 1/10万", (string)w["messageZh"]!);
        }
        var elsewhere = await Get("/api/v1/org-units/511700/warnings?kind=projectedMiss&indicator=maternal-mortality-rate");
        Assert.DoesNotContain(elsewhere["warnings"]!.AsArray(), w => (string)w!["orgUnit"]! == "130102");
        var city = await Get("/api/v1/org-units/130100/warnings?kind=projectedMiss");
        Assert.Contains(city["byChild"]!.AsArray(), c => (string)c!["key"]! == "130102" && (int)c["count"]! >= 1);
    }

    [Theory]
    [InlineData("kind=panic")]
    [InlineData("plan=men")]
    [InlineData("area=moon")]
    [InlineData("department=nobody")]
    [InlineData("state=maybe")]
    [InlineData("year=1900")]
    [InlineData("indicator=nope")]
    public async Task A_bad_warning_filter_is_a_problem_details_400(string query)
    {
        var response = await _http.GetAsync($"/api/v1/org-units/130000/warnings?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Completeness_counts_expected_reported_and_late_per_department_and_child()
    {
        // 桥西区 130104 reports one 2023 figure now — after the 31 March 2024 deadline, so late.
        Assert.Equal(HttpStatusCode.OK, (await PostJson("/api/v1/counties/130104/data-values",
            """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 5000 } ] }""")).StatusCode);
        var county = await Get("/api/v1/org-units/130104/completeness?year=2023");
        Assert.Equal("2024-03-31", (string)county["deadline"]!);
        var total = county["total"]!;
        Assert.Equal((1, 0, 1), ((int)total["reported"]!, (int)total["onTime"]!, (int)total["late"]!));
        Assert.Equal((int)total["expected"]! - 1, (int)total["missing"]!);
        var health = county["departments"]!.AsArray().Single(d => (string)d!["department"]! == "health")!;
        Assert.Equal(1, (int)health["late"]!);

        var city = await Get("/api/v1/org-units/130100/completeness?year=2023");
        var child = city["children"]!.AsArray().Single(c => (string)c!["orgUnit"]!["code"]! == "130104")!["counts"]!;
        Assert.Equal((int)total["expected"]!, (int)child["expected"]!);
        Assert.Equal(city["children"]!.AsArray().Sum(c => (int)c!["counts"]!["expected"]!), (int)city["total"]!["expected"]!);
    }

    [Fact]
    public async Task A_lead_department_reports_measure_progress_and_bad_reports_name_each_field()
    {
        // 大安市 220882, women's plan, health measure 2 (lead: 市卫健局 only) and measure 1 (two leads).
        var reporter = fixture.ClientAs("county-reporter", "220882");
        var ok = await PostJson("/api/v1/counties/220882/measure-reports",
            """{ "plan": "women", "area": "health", "measure": 2, "year": 2024, "status": "onTrack", "narrative": "新建妇幼保健服务站3个" }""", reporter);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("health", (string)(await Json(ok))["department"]!);

        var bad = await PostJson("/api/v1/counties/220882/measure-reports",
            """{ "plan": "women", "area": "health", "measure": 1, "year": 2099, "status": "fine", "narrative": "" }""", reporter);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var fields = (await Json(bad))["errors"]!.AsArray().Select(e => (string)e!["field"]!).ToHashSet();
        Assert.Equal(new HashSet<string> { "year", "status", "narrative", "department" }, fields);
        var wrongLead = await PostJson("/api/v1/counties/220882/measure-reports",
            """{ "plan": "women", "area": "health", "measure": 2, "year": 2024, "status": "completed", "narrative": "x", "department": "市教育局" }""", reporter);
        Assert.Equal(HttpStatusCode.BadRequest, wrongLead.StatusCode);
        // A department reporter reports only for its own department; a viewer not at all.
        var education = fixture.ClientAs("department-reporter", "220882", "education");
        Assert.Equal(HttpStatusCode.Forbidden, (await PostJson("/api/v1/counties/220882/measure-reports",
            """{ "plan": "women", "area": "health", "measure": 2, "year": 2024, "status": "completed", "narrative": "x" }""", education)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostJson("/api/v1/counties/220882/measure-reports",
            """{ "plan": "women", "area": "health", "measure": 2, "year": 2024, "status": "completed", "narrative": "x" }""", fixture.ClientAs("viewer", "220882"))).StatusCode);
        var audit = await Get("/api/v1/admin/audit?action=measure-report.record&orgUnit=220882");
        Assert.Contains(audit.AsArray(), e => (string?)e!["after"]?["narrative"] == "新建妇幼保健服务站3个" && (string?)e["principal"] is not null);

        var list = await Get("/api/v1/counties/220882/measure-reports?year=2024");
        var measure = list.AsArray().Single(m => (string)m!["area"]! == "health" && (int)m["measure"]! == 2 && (string)m["plan"]! == "women")!;
        Assert.Equal("onTrack", (string)measure["reports"]![0]!["status"]!);
        var evaluation = await Get("/api/v1/org-units/220882/evaluation?year=2024");
        Assert.Contains(evaluation["qualitativeGoals"]!.AsArray(), g => (string)g!["area"]! == "health" && (int)g["reported"]! >= 1);
    }

    [Fact]
    public async Task Datasets_go_through_submission_and_approval_locking_the_year_and_the_province_approves_last()
    {
        const string province = "640000"; // 宁夏回族自治区
        var cities = (await Get($"/api/v1/divisions/{province}"))["children"]!.AsArray().Select(c => (string)c!["code"]!).ToArray();
        var leaves = new List<string>();
        foreach (var city in cities)
        {
            leaves.AddRange((await Get($"/api/v1/divisions/{city}"))["children"]!.AsArray().Select(c => (string)c!["code"]!));
        }
        var first = leaves[0];
        HttpClient CityApprover(string county) => fixture.ClientAs("city-approver", county[..4] + "00");
        var reporter = fixture.ClientAs("county-reporter", first);
        var provinceApprover = fixture.ClientAs("province-approver", province);
        Assert.Equal(HttpStatusCode.OK, (await PostJson($"/api/v1/counties/{first}/data-values",
            """{ "year": 2024, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 5000 } ] }""", reporter)).StatusCode);

        var early = await PostJson($"/api/v1/counties/{first}/datasets/2024/approve", "{}", CityApprover(first));
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("open", (string)(await Json(early))["state"]!);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostJson($"/api/v1/counties/{first}/datasets/2024/approve", "{}", reporter)).StatusCode); // a reporter never approves
        Assert.Equal(HttpStatusCode.OK, (await PostJson($"/api/v1/counties/{first}/datasets/2024/submit", "{}", reporter)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostJson($"/api/v1/counties/{first}/datasets/2024/return", "{}", CityApprover(first))).StatusCode); // comment required
        Assert.Equal(HttpStatusCode.Forbidden, (await PostJson($"/api/v1/counties/{first}/datasets/2024/approve", """{ "level": "province" }""", CityApprover(first))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostJson($"/api/v1/counties/{first}/datasets/2024/approve", """{ "level": "city" }""", CityApprover(first))).StatusCode);

        var locked = await PostJson($"/api/v1/counties/{first}/data-values",
            """{ "year": 2024, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 2, "denominator": 5000 } ] }""", reporter);
        Assert.Equal(HttpStatusCode.Conflict, locked.StatusCode);
        var problem = await Json(locked);
        Assert.Equal((0, "year"), ((int)problem["errors"]![0]!["row"]!, (string)problem["errors"]![0]!["field"]!));
        Assert.Equal(1m, (decimal)(await Get($"/api/v1/org-units/{first}/rollup?year=2024"))["indicators"]![0]!["numerator"]!);

        var notYet = await PostJson($"/api/v1/org-units/{province}/datasets/2024/approve", "{}", provinceApprover);
        Assert.Equal(HttpStatusCode.Conflict, notYet.StatusCode);
        Assert.Equal(leaves.Count - 1, (await Json(notYet))["counties"]!.AsArray().Count);

        foreach (var county in leaves.Skip(1))
        {
            Assert.Equal(HttpStatusCode.OK, (await PostJson($"/api/v1/counties/{county}/datasets/2024/submit", "{}", fixture.ClientAs("county-reporter", county))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await PostJson($"/api/v1/counties/{county}/datasets/2024/approve", "{}", CityApprover(county))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await PostJson($"/api/v1/org-units/{province}/datasets/2024/approve", "{}", CityApprover(first))).StatusCode);
        var done = await PostJson($"/api/v1/org-units/{province}/datasets/2024/approve", """{ "comment": "全区数据审核通过" }""", provinceApprover);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(leaves.Count, (int)(await Json(done))["approved"]!);
        var rollup = await Get($"/api/v1/org-units/{province}/rollup?year=2024");
        Assert.Equal(leaves.Count, (int)rollup["approval"]!["approvedByProvince"]!);

        var history = (await Get($"/api/v1/counties/{first}/datasets/2024"))["history"]!.AsArray().Select(h => (string)h!["action"]!).ToArray();
        Assert.Equal(["submit", "approve", "approve"], history);
        Assert.Equal(HttpStatusCode.Conflict, (await PostJson($"/api/v1/counties/{first}/datasets/2024/unapprove", """{ "comment": "x" }""", CityApprover(first))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostJson($"/api/v1/counties/{first}/datasets/2024/unapprove", """{ "comment": "复核" }""", provinceApprover)).StatusCode);
        var trail = await Get($"/api/v1/admin/audit?orgUnit={first}");
        Assert.Equal(["approval.unapprove", "approval.approve", "approval.approve", "approval.submit"],
            trail.AsArray().Select(e => (string)e!["action"]!).Where(a => a.StartsWith("approval.", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public async Task Reports_download_as_printable_chinese_html_with_svg_trends_and_as_csv()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostJson("/api/v1/counties/130105/data-values", """
            { "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "year": 2022, "numerator": 3, "denominator": 20000 },
                                        { "indicator": "maternal-mortality-rate", "numerator": 2, "denominator": 20000 } ] }
            """)).StatusCode);
        var html = await _http.GetAsync("/api/v1/org-units/130105/reports/annual?year=2023");
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        Assert.Contains("130105-annual-2023.html", html.Content.Headers.ContentDisposition!.ToString());
        var text = await html.Content.ReadAsStringAsync();
        Assert.Contains("新华区妇女儿童发展规划2023年度监测报告", text);
        Assert.Contains("<svg", text);
        Assert.Contains("孕产妇死亡率趋势：2022年 15，2023年 10", text);
        Assert.Contains("数据报送完整性与及时性", text);

        var midterm = await (await _http.GetAsync("/api/v1/org-units/130100/reports/midterm")).Content.ReadAsStringAsync();
        Assert.Contains("石家庄市妇女儿童发展规划中期评估报告（2025年）", midterm);

        var csv = await _http.GetAsync("/api/v1/org-units/130105/reports/final?format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n");
        Assert.StartsWith("\uFEFFsection,org_unit,indicator", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("indicator,130105,maternal-mortality-rate,孕产妇死亡率,women,health,2030,2023,10,", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/api/v1/org-units/130105/reports/weekly")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/api/v1/org-units/130105/reports/final?year=2024")).StatusCode);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1+1", "'+1+1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("-2.5", "-2.5")]
    [InlineData("-cmd", "'-cmd")]
    [InlineData("孕产妇死亡率", "孕产妇死亡率")]
    public void Csv_cells_that_a_spreadsheet_would_run_are_neutralised(string cell, string written) =>
        Assert.Equal(written, ReportRenderer.CsvCell(cell));
}
