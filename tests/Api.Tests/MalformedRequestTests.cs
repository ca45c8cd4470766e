using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// A corpus of malformed requests (generated and hand-written): every one is answered 4xx with ProblemDetails,
/// never 5xx, and changes nothing (roll-ups, the audit trail and the key registry are compared before and after).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MalformedRequestTests(ApiFixture fixture, ITestOutputHelper output)
{
    private const string County = "511722"; // 宣汉县: no other test pushes there
    private const string Push = $"/api/v1/counties/{County}/data-values";
    private const string Valid = """{ "year": 2021, "values": [ { "indicator": "maternal-mortality-rate", "disaggregation": { "area": "rural" }, "numerator": 3, "denominator": 3900, "department": "health" } ] }""";

    public sealed record Case(string Name, HttpMethod Method, string Path, byte[]? Body, string? ContentType);

    private static Case Json(string name, string body, string path = Push) => new(name, HttpMethod.Post, path, Encoding.UTF8.GetBytes(body), "application/json");

    private static string Row(string fields) => $$"""{ "year": 2021, "values": [ { {{fields}} } ] }""";

    public static IEnumerable<Case> Corpus()
    {
        // Truncated JSON: every proper prefix of a valid batch at 23 cut points.
        for (var cut = 1; cut < Valid.Length; cut += Valid.Length / 23)
        {
            yield return Json($"truncated at {cut}", Valid[..cut]);
        }
        // Wrong types in every field of a row and of the batch.
        string[] wrong = ["\"1\"", "true", "false", "[]", "{}", "[1]", "{\"a\":1}", "\"\""];
        foreach (var value in wrong)
        {
            yield return Json($"indicator {value}", Row($"\"indicator\": {(value == "\"\"" ? "1" : value)}, \"numerator\": 1, \"denominator\": 2"));
            yield return Json($"numerator {value}", Row($"\"indicator\": \"maternal-mortality-rate\", \"numerator\": {value}, \"denominator\": 2"));
            yield return Json($"denominator {value}", Row($"\"indicator\": \"maternal-mortality-rate\", \"numerator\": 1, \"denominator\": {value}"));
            yield return Json($"value {value}", Row($"\"indicator\": \"live-births\", \"value\": {value}"));
            yield return Json($"year {value}", $$"""{ "year": {{value}}, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 } ] }""");
            yield return Json($"disaggregation {value}", Row($"\"indicator\": \"maternal-mortality-rate\", \"disaggregation\": {(value == "{}" ? "[]" : value)}, \"numerator\": 1, \"denominator\": 2"));
            yield return Json($"department {value}", Row($"\"indicator\": \"maternal-mortality-rate\", \"numerator\": 1, \"denominator\": 2, \"department\": {(value == "\"\"" ? "7" : value)}"));
            yield return Json($"values {value}", $$"""{ "year": 2023, "values": {{(value == "[]" ? "\"[]\"" : value)}} }""");
        }
        // Huge, tiny, negative and non-finite numbers.
        string[] numbers = ["1e400", "-1e400", "1e13", "79228162514264337593543950336", "-1", "-0.5", "-1e-400", "1.5e308", "NaN", "Infinity", "-Infinity",
            "0x10", "01", "1.", ".5", "+1", "1e", "--1", "\"NaN\"", "\"Infinity\""];
        foreach (var n in numbers)
        {
            yield return Json($"numerator {n}", Row($"\"indicator\": \"maternal-mortality-rate\", \"numerator\": {n}, \"denominator\": 5000"));
            yield return Json($"denominator {n}", Row($"\"indicator\": \"maternal-mortality-rate\", \"numerator\": 1, \"denominator\": {n}"));
            yield return Json($"year {n}", $$"""{ "year": {{n}}, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 } ] }""");
        }
        // Unknown fields, duplicate keys, unknown codes.
        yield return Json("unknown top-level field", """{ "year": 2023, "values": [], "county": "511702" }""");
        yield return Json("unknown row field", Row("\"indicator\": \"maternal-mortality-rate\", \"numerator\": 1, \"denominator\": 2, \"approved\": true"));
        yield return Json("unknown row field (case)", Row("\"Indicator\": \"maternal-mortality-rate\", \"numerator\": 1, \"denominator\": 2"));
        yield return Json("duplicate year", """{ "year": 2023, "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 } ] }""");
        yield return Json("duplicate values", """{ "year": 2023, "values": [], "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 } ] }""");
        yield return Json("duplicate numerator", Row("\"indicator\": \"maternal-mortality-rate\", \"numerator\": 1, \"numerator\": 2, \"denominator\": 9"));
        yield return Json("duplicate indicator", Row("\"indicator\": \"maternal-mortality-rate\", \"indicator\": \"live-births\", \"numerator\": 1, \"denominator\": 9"));
        yield return Json("duplicate disaggregation key", Row("\"indicator\": \"maternal-mortality-rate\", \"disaggregation\": { \"area\": \"rural\", \"area\": \"urban\" }, \"numerator\": 1, \"denominator\": 9"));
        foreach (var code in new[] { "no-such-indicator", "", " ", "MATERNAL-MORTALITY-RATE", "maternal-mortality-rate ", "../../etc/passwd", "=cmd|' /C calc'!A0", "<script>", new string('x', 10_000) })
        {
            yield return Json($"unknown indicator '{code[..Math.Min(code.Length, 20)]}'", Row($"\"indicator\": {System.Text.Json.JsonSerializer.Serialize(code)}, \"numerator\": 1, \"denominator\": 2"));
        }
        yield return Json("unknown department", Row("\"indicator\": \"maternal-mortality-rate\", \"numerator\": 1, \"denominator\": 2, \"department\": \"no such bureau\""));
        yield return Json("unknown disaggregation category", Row("\"indicator\": \"maternal-mortality-rate\", \"disaggregation\": { \"planet\": \"mars\" }, \"numerator\": 1, \"denominator\": 2"));
        yield return Json("unknown disaggregation option", Row("\"indicator\": \"maternal-mortality-rate\", \"disaggregation\": { \"area\": \"moon\" }, \"numerator\": 1, \"denominator\": 2"));
        yield return Json("numerator above denominator", Row("\"indicator\": \"maternal-mortality-rate\", \"numerator\": 9, \"denominator\": 2"));
        yield return Json("year before baseline", """{ "year": 1999, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 } ] }""");
        yield return Json("year in the future", """{ "year": 2999, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 } ] }""");
        yield return Json("no year", """{ "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 } ] }""");
        yield return Json("duplicate rows", """{ "year": 2021, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 2 }, { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 3 } ] }""");
        yield return Json("unknown county", Valid, "/api/v1/counties/999999/data-values");
        yield return Json("city instead of county", Valid, "/api/v1/counties/511700/data-values");
        yield return Json("code with letters", Valid, "/api/v1/counties/51172X/data-values");
        // Not a batch at all.
        foreach (var (name, body) in new[] { ("empty", ""), ("null", "null"), ("array", "[]"), ("string", "\"batch\""), ("number", "42"), ("whitespace", "   "),
                     ("trailing comma", """{ "year": 2023, "values": [], }"""), ("comment", """{ /* c */ "year": 2023, "values": [] }"""),
                     ("single quotes", "{ 'year': 2023, 'values': [] }"), ("two objects", """{ "year": 2023, "values": [] } { }"""),
                     ("deep nesting", new string('[', 5000) + new string(']', 5000)), ("deep row", Row("\"indicator\": " + new string('[', 100) + new string(']', 100))),
                     ("bom then garbage", "\uFEFF}{"), ("nul bytes", "{\0\"year\": 2023}"), ("unterminated string", """{ "year": 2023, "values": [ { "indicator": "mat""") })
        {
            yield return Json($"not a batch: {name}", body);
        }
        yield return new Case("invalid UTF-8 JSON", HttpMethod.Post, Push, [.. "{ \"year\": 2023, \"values\": [ { \"indicator\": \""u8.ToArray(), 0xC3, 0x28, 0xFF, .. "\" } ] }"u8.ToArray()], "application/json");
        // CSV: bad encodings and broken structure.
        var csvHeader = "year,indicator,area,numerator,denominator,department\n";
        foreach (var (name, body) in new (string, byte[])[]
                 {
                     ("GBK bytes", [.. Encoding.ASCII.GetBytes(csvHeader + "2023,maternal-mortality-rate,,1,2,"), 0xCF, 0xD8, 0xCE, 0xC0, 0xBD, 0xA1, 0xBE, 0xD6, (byte)'\n']),
                     ("Latin-1 bytes", [.. Encoding.ASCII.GetBytes(csvHeader + "2023,maternal-mortality-rate,,1,2,caf"), 0xE9, (byte)'\n']),
                     ("UTF-16 with BOM", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(csvHeader + "2023,maternal-mortality-rate,,1,2,\n")]),
                     ("UTF-16 without BOM", Encoding.Unicode.GetBytes(csvHeader + "2023,maternal-mortality-rate,,1,2,\n")),
                     ("empty", []),
                     ("header only with unknown column", Encoding.UTF8.GetBytes("year,indicator,county\n")),
                     ("duplicate column", Encoding.UTF8.GetBytes("year,indicator,numerator,numerator,denominator\n2023,maternal-mortality-rate,1,1,2\n")),
                     ("no indicator column", Encoding.UTF8.GetBytes("year,numerator,denominator\n2023,1,2\n")),
                     ("unterminated quote", Encoding.UTF8.GetBytes(csvHeader + "2023,\"maternal-mortality-rate,,1,2,\n")),
                     ("too many cells", Encoding.UTF8.GetBytes(csvHeader + "2023,maternal-mortality-rate,,1,2,,extra\n")),
                     ("too few cells", Encoding.UTF8.GetBytes(csvHeader + "2023,maternal-mortality-rate\n")),
                     ("text number", Encoding.UTF8.GetBytes(csvHeader + "2023,maternal-mortality-rate,,one,2,\n")),
                     ("number with thousands separator", Encoding.UTF8.GetBytes(csvHeader + "2023,maternal-mortality-rate,,\"1,000\",2000,\n")),
                     ("year as text", Encoding.UTF8.GetBytes(csvHeader + "MMXXIII,maternal-mortality-rate,,1,2,\n")),
                     ("negative numerator", Encoding.UTF8.GetBytes(csvHeader + "2023,maternal-mortality-rate,,-1,2,\n")),
                     ("huge numerator", Encoding.UTF8.GetBytes(csvHeader + "2023,maternal-mortality-rate,,1e400,2,\n")),
                     ("formula as indicator", Encoding.UTF8.GetBytes(csvHeader + "2023,=HYPERLINK(\"http://x\"),,1,2,\n")),
                     ("semicolon separated", Encoding.UTF8.GetBytes("year;indicator;numerator;denominator\n2023;maternal-mortality-rate;1;2\n")),
                     ("tab separated", Encoding.UTF8.GetBytes("year\tindicator\tnumerator\tdenominator\n2023\tmaternal-mortality-rate\t1\t2\n")),
                 })
        {
            yield return new Case($"csv: {name}", HttpMethod.Post, Push, body, "text/csv");
        }
        // Wrong content types.
        foreach (var type in new[] { "application/xml", "text/plain", "text/html", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream",
                     "application/jsonx", "json", "application/problem+json", "text/json", "image/png" })
        {
            yield return new Case($"content type {type}", HttpMethod.Post, Push, Encoding.UTF8.GetBytes(Valid), type);
        }
        yield return new Case("no content type", HttpMethod.Post, Push, Encoding.UTF8.GetBytes(Valid), null);
        // Oversized bodies.
        yield return Json("5 MB of JSON", "{\"year\":2023,\"values\":[" + new string(' ', 5 * 1024 * 1024) + "]}");
        yield return new Case("5 MB of CSV", HttpMethod.Post, Push, Encoding.UTF8.GetBytes(csvHeader + string.Concat(Enumerable.Repeat("2023,maternal-mortality-rate,,1,2,\n", 150_000))), "text/csv");
        var rows = string.Join(",", Enumerable.Range(0, 10_001).Select(i => $$"""{"indicator":"maternal-mortality-rate","numerator":1,"denominator":{{i + 2}}}"""));
        yield return Json("10,001 rows", $$"""{"year":2023,"values":[{{rows}}]}""");
        // Malformed query strings and route values.
        foreach (var query in new[] { "year=abc", "year=2023.5", "year=99999999999", "year=1999", "year=2101", "children=maybe", "year=" })
        {
            yield return new Case($"rollup ?{query}", HttpMethod.Get, $"/api/v1/org-units/510000/rollup?{query}", null, null);
        }
        yield return new Case("push ?dryRun=perhaps", HttpMethod.Post, Push + "?dryRun=perhaps", Encoding.UTF8.GetBytes(Valid), "application/json");
        yield return new Case("push ?year=abc", HttpMethod.Post, Push + "?year=abc", Encoding.UTF8.GetBytes(Valid), "application/json");
        foreach (var path in new[] { "/api/v1/org-units/999999/rollup", "/api/v1/org-units/abc/rollup", "/api/v1/org-units/510000/indicators/no-such",
                     "/api/v1/counties/511725/plans/men", "/api/v1/counties/511725/departments/no-such", "/api/v1/indicators/no-such", "/api/v1/divisions/000001",
                     "/api/v1/events", "/api/v1/events?orgUnits=999999", "/api/v1/events?orgUnits=" + string.Join(",", Enumerable.Range(1, 40).Select(i => $"5101{i:00}")), "/api/v1/events?orgUnits=,,,",
                     "/api/v1/org-units/511725/consistency", "/api/v1/admin/audit?from=yesterday", "/api/v1/admin/audit?limit=0", "/api/v1/admin/audit?limit=100000",
                     "/api/v1/admin/audit?format=xlsx", "/api/v1/admin/audit?before=-1", "/api/v1/no-such-endpoint" })
        {
            yield return new Case($"GET {path[..Math.Min(path.Length, 60)]}", HttpMethod.Get, path, null, null);
        }
        yield return new Case("DELETE a county", HttpMethod.Delete, "/api/v1/counties/511725/data-values", null, null);
        yield return new Case("PUT a roll-up", HttpMethod.Put, "/api/v1/org-units/510000/rollup", Encoding.UTF8.GetBytes("{}"), "application/json");
        yield return new Case("revoke an unknown key", HttpMethod.Delete, "/api/v1/admin/api-keys/000000000000", null, null);
        // The admin API's bodies: strict as well.
        const string Keys = "/api/v1/admin/api-keys";
        foreach (var (name, body) in new[]
                 {
                     ("unknown field", """{ "name": "x", "role": "viewer", "orgUnit": "511725", "admin": true }"""),
                     ("duplicate role", """{ "name": "x", "role": "viewer", "role": "province-admin", "orgUnit": "511725" }"""),
                     ("role as number", """{ "name": "x", "role": 1, "orgUnit": "511725" }"""),
                     ("orgUnit as number", """{ "name": "x", "role": "viewer", "orgUnit": 511725 }"""),
                     ("unknown role", """{ "name": "x", "role": "superuser", "orgUnit": "511725" }"""),
                     ("unknown org unit", """{ "name": "x", "role": "viewer", "orgUnit": "999999" }"""),
                     ("reporter at a city", """{ "name": "x", "role": "county-reporter", "orgUnit": "511700" }"""),
                     ("department reporter without department", """{ "name": "x", "role": "department-reporter", "orgUnit": "511725" }"""),
                     ("department reporter, unknown department", """{ "name": "x", "role": "department-reporter", "orgUnit": "511725", "department": "nope" }"""),
                     ("viewer with department", """{ "name": "x", "role": "viewer", "orgUnit": "511725", "department": "health" }"""),
                     ("no name", """{ "role": "viewer", "orgUnit": "511725" }"""),
                     ("huge name", $$"""{ "name": "{{new string('x', 300)}}", "role": "viewer", "orgUnit": "511725" }"""),
                     ("truncated", """{ "name": "x", "role": "vie"""),
                     ("array", "[]"),
                     ("null", "null"),
                     ("empty", ""),
                     ("oversized", $$"""{ "name": "{{new string('x', 70_000)}}", "role": "viewer", "orgUnit": "511725" }"""),
                 })
        {
            yield return Json($"issue key: {name}", body, Keys);
        }
        yield return new Case("issue key: text/plain", HttpMethod.Post, Keys, Encoding.UTF8.GetBytes("""{ "name": "x", "role": "viewer", "orgUnit": "511725" }"""), "text/plain");
        yield return new Case("role assignment: unknown field", HttpMethod.Put, "/api/v1/admin/role-assignments/someone",
            Encoding.UTF8.GetBytes("""{ "role": "viewer", "orgUnit": "511725", "expires": 1 }"""), "application/json");
        yield return new Case("role assignment: api key subject", HttpMethod.Put, "/api/v1/admin/role-assignments/apikey:abc",
            Encoding.UTF8.GetBytes("""{ "role": "viewer", "orgUnit": "511725" }"""), "application/json");
        yield return new Case("role assignment: wrong type", HttpMethod.Put, "/api/v1/admin/role-assignments/someone",
            Encoding.UTF8.GetBytes("""{ "role": ["viewer"], "orgUnit": "511725" }"""), "application/json");
        foreach (var (name, body) in new[] { ("unknown field", """{ "role": "viewer", "orgUnit": "510000", "exp": 99999999999 }"""), ("bad role", """{ "role": "root", "orgUnit": "510000" }"""),
                     ("no org unit", """{ "role": "viewer" }"""), ("truncated", """{ "role": """) })
        {
            yield return Json($"dev token: {name}", body, "/api/v1/dev/tokens");
        }

        // Approval bodies (the administrator may submit for a county) and the monitoring queries.
        const string submit = "/api/v1/counties/511702/datasets/2023/submit";
        foreach (var (name, body) in new[]
                 {
                     ("unknown field", """{ "comment": "ok", "approved": true }"""), ("comment number", """{ "comment": 5 }"""),
                     ("returnToCounty string", """{ "returnToCounty": "yes" }"""), ("duplicate comment", """{ "comment": "a", "comment": "b" }"""),
                     ("truncated", """{ "comment": "a"""), ("array", "[]"), ("not json", "submit please"), ("level unknown", """{ "level": "emperor" }"""),
                     ("comment too long", $$"""{ "comment": "{{new string('长', 2001)}}" }"""),
                 })
        {
            yield return Json($"dataset submit: {name}", body, submit);
        }
        yield return new Case("dataset submit: text/plain", HttpMethod.Post, submit, Encoding.UTF8.GetBytes("{}"), "text/plain");
        yield return Json("dataset submit: year before the baseline", "{}", "/api/v1/counties/511702/datasets/1999/submit");
        yield return Json("dataset submit: not a county", "{}", "/api/v1/counties/511700/datasets/2023/submit");
        foreach (var query in new[] { "kind=all", "state=open", "year=twenty", "limit=0", "limit=100000", "department=秘书处", "area=space", "plan=both" })
        {
            yield return new Case($"warnings: {query}", HttpMethod.Get, $"/api/v1/org-units/510000/warnings?{query}", null, null);
        }
        foreach (var path in new[] { "reports/weekly", "reports/annual?format=pdf", "reports/final?year=2024", "reports/annual?year=1800", "completeness?year=99999", "evaluation?year=abc" })
        {
            yield return new Case($"monitoring: {path}", HttpMethod.Get, $"/api/v1/org-units/510000/{path}", null, null);
        }
    }

    private async Task<string> SnapshotAsync(HttpClient http)
    {
        var parts = new List<string>();
        foreach (var path in new[] { $"/api/v1/org-units/{County}/rollup?year=2021", "/api/v1/org-units/510000/rollup?year=2021", "/api/v1/org-units/510000/rollup?year=2023",
                     "/api/v1/admin/api-keys", "/api/v1/admin/role-assignments", "/api/v1/admin/audit?limit=1000" })
        {
            var json = JsonNode.Parse(await http.GetStringAsync(path))!;
            if (json is JsonObject o)
            {
                o.Remove("updatedAt");
            }
            parts.Add(json.ToJsonString());
        }
        return string.Join("\n", parts);
    }

    [Fact]
    public async Task Every_malformed_request_is_answered_4xx_with_problem_details_and_changes_nothing()
    {
        var http = fixture.CreateClient();
        var cases = Corpus().ToArray();
        output.WriteLine($"{cases.Length} malformed requests");
        Assert.True(cases.Length >= 200, $"only {cases.Length} cases");
        Assert.Equal(cases.Length, cases.Select(c => c.Name).Distinct().Count());
        // Something to change: a stored figure and a key.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(Push, new StringContent(Valid, Encoding.UTF8, "application/json"))).StatusCode);
        var before = await SnapshotAsync(http);
        var failures = new List<string>();
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(c.Method, c.Path);
            if (c.Body is not null)
            {
                request.Content = new ByteArrayContent(c.Body);
                if (c.ContentType is not null)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
                }
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await http.SendAsync(request, cts.Token);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            if (status is < 400 or >= 500)
            {
                failures.Add($"{c.Name}: {status} {body[..Math.Min(body.Length, 200)]}");
            }
            else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{c.Name}: {status} with {response.Content.Headers.ContentType} instead of application/problem+json");
            }
            else if (body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal) && body.Contains(".cs:", StringComparison.Ordinal))
            {
                failures.Add($"{c.Name}: a stack trace in the answer");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Length} wrong:\n" + string.Join("\n", failures));
        Assert.Equal(before, await SnapshotAsync(http));
    }
}
