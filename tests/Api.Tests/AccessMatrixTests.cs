using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Xunit.Abstractions;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// Role × endpoint × scope: every cell is asked of the running gateway and compared with the rules written out here
/// independently of the gateway's code (anonymous → 401; a role that may not do it, or a unit outside its subtree → 403;
/// otherwise anything but 401/403). Pushes are dry runs, so the matrix changes nothing.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AccessMatrixTests(ApiFixture fixture, ITestOutputHelper output)
{
    // 渠县 511725 and 通川区 511702 in 达州市 511700, 四川省 510000; 永济市 140881 in 运城市 140800, 山西省 140000.
    private static readonly Dictionary<string, string?> Parent = new()
    {
        ["511725"] = "511700", ["511702"] = "511700", ["511700"] = "510000", ["510000"] = null,
        ["140881"] = "140800", ["140800"] = "140000", ["140000"] = null,
    };

    private static readonly string[] Units = ["511725", "511702", "511700", "510000", "140881"];

    private sealed record Caller(string Name, string? Role, string? Scope, string? Department = null);

    private static readonly Caller[] Callers =
    [
        new("anonymous", null, null),
        new("viewer@province", "viewer", "510000"),
        new("viewer@city", "viewer", "511700"),
        new("viewer@county", "viewer", "511725"),
        new("county-reporter@A", "county-reporter", "511725"),
        new("county-reporter@B", "county-reporter", "511702"),
        new("department-reporter@A/health", "department-reporter", "511725", "health"),
        new("department-reporter@A/education", "department-reporter", "511725", "education"),
        new("city-approver", "city-approver", "511700"),
        new("province-approver", "province-approver", "510000"),
        new("province-admin", "province-admin", "510000"),
        new("province-admin@other", "province-admin", "140000"),
        new("operator", "operator", "510000"),
    ];

    private enum Need { AnyRole, Read, Push, Admin, Operations, Submit, Approve, MeasureReport }

    private sealed record Endpoint(string Name, Need Need, HttpMethod Method, string Path, bool CountyOnly = false, string? Body = null, string? Unit = null);

    private static IEnumerable<Endpoint> EndpointsFor(string unit)
    {
        yield return new("rollup", Need.Read, HttpMethod.Get, $"/api/v1/org-units/{unit}/rollup?year=2023");
        yield return new("series", Need.Read, HttpMethod.Get, $"/api/v1/org-units/{unit}/indicators/maternal-mortality-rate");
        yield return new("consistency", Need.Read, HttpMethod.Get, $"/api/v1/org-units/{unit}/consistency");
        yield return new("events", Need.Read, HttpMethod.Get, $"/api/v1/events?orgUnits={unit}");
        yield return new("summary", Need.Read, HttpMethod.Get, $"/api/v1/counties/{unit}/summary?year=2023");
        yield return new("plan", Need.Read, HttpMethod.Get, $"/api/v1/counties/{unit}/plans/women");
        yield return new("department", Need.Read, HttpMethod.Get, $"/api/v1/counties/{unit}/departments/health");
        yield return new("push", Need.Push, HttpMethod.Post, $"/api/v1/counties/{unit}/data-values?dryRun=true",
            Body: """{ "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 4000 } ] }""");
        yield return new("warnings", Need.Read, HttpMethod.Get, $"/api/v1/org-units/{unit}/warnings?limit=1");
        yield return new("completeness", Need.Read, HttpMethod.Get, $"/api/v1/org-units/{unit}/completeness?year=2023");
        yield return new("evaluation", Need.Read, HttpMethod.Get, $"/api/v1/org-units/{unit}/evaluation?year=2023");
        yield return new("report", Need.Read, HttpMethod.Get, $"/api/v1/org-units/{unit}/reports/annual?year=2023&format=csv");
        yield return new("subtree-datasets", Need.Read, HttpMethod.Get, $"/api/v1/org-units/{unit}/datasets/2023");
        yield return new("dataset", Need.Read, HttpMethod.Get, $"/api/v1/counties/{unit}/datasets/2023");
        yield return new("measure-reports", Need.Read, HttpMethod.Get, $"/api/v1/counties/{unit}/measure-reports?year=2023");
        yield return new("submit", Need.Submit, HttpMethod.Post, $"/api/v1/counties/{unit}/datasets/2023/submit", Body: "{}");
        yield return new("approve", Need.Approve, HttpMethod.Post, $"/api/v1/counties/{unit}/datasets/2022/approve", Body: "{}");
        yield return new("return", Need.Approve, HttpMethod.Post, $"/api/v1/counties/{unit}/datasets/2022/return", Body: """{ "comment": "请核实" }""");
        yield return new("province-approve", Need.Approve, HttpMethod.Post, $"/api/v1/org-units/{unit}/datasets/2021/approve", Body: "{}");
        yield return new("measure-report", Need.MeasureReport, HttpMethod.Post, $"/api/v1/counties/{unit}/measure-reports",
            Body: """{ "plan": "women", "area": "health", "measure": 1, "year": 2023, "status": "onTrack", "narrative": "matrix" }""");
        yield return new("issue-key", Need.Admin, HttpMethod.Post, "/api/v1/admin/api-keys",
            Body: $$"""{ "name": "matrix", "role": "viewer", "orgUnit": "{{unit}}" }""", Unit: unit);
        yield return new("audit", Need.Admin, HttpMethod.Get, $"/api/v1/admin/audit?orgUnit={unit}", Unit: unit);
    }

    private static readonly Endpoint[] Global =
    [
        new("indicators", Need.AnyRole, HttpMethod.Get, "/api/v1/indicators"),
        new("divisions", Need.AnyRole, HttpMethod.Get, "/api/v1/divisions/511725"),
        new("departments", Need.AnyRole, HttpMethod.Get, "/api/v1/departments"),
        new("list-keys", Need.Admin, HttpMethod.Get, "/api/v1/admin/api-keys"),
        new("role-assignments", Need.Admin, HttpMethod.Get, "/api/v1/admin/role-assignments"),
        new("metrics", Need.Operations, HttpMethod.Get, "/metrics"),
        new("dashboard", Need.Operations, HttpMethod.Get, "/dashboard/"),
    ];

    private static bool Within(string scope, string unit)
    {
        for (string? u = unit; u is not null; u = Parent[u])
        {
            if (u == scope)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The rules of docs/security.md, written out: null = allowed (any status but 401/403).</summary>
    private static HttpStatusCode? Expected(Caller caller, Endpoint endpoint, string? unit)
    {
        if (caller.Role is null)
        {
            return HttpStatusCode.Unauthorized;
        }
        var role = caller.Role;
        var roleMay = endpoint.Need switch
        {
            Need.AnyRole => true,
            Need.Read => role is "viewer" or "county-reporter" or "department-reporter" or "city-approver" or "province-approver" or "province-admin",
            Need.Push => role is "county-reporter" or "province-admin"
                         || (role == "department-reporter" && caller.Department == "health"), // the pushed indicator is health's
            Need.Admin => role == "province-admin",
            Need.Operations => role is "province-admin" or "operator",
            Need.Submit => role is "county-reporter" or "province-admin",
            Need.Approve => role is "city-approver" or "province-approver",
            Need.MeasureReport => role is "county-reporter" or "department-reporter",
            _ => false,
        };
        if (!roleMay)
        {
            return HttpStatusCode.Forbidden;
        }
        if (unit is not null && endpoint.Need != Need.AnyRole && endpoint.Need != Need.Operations && !Within(caller.Scope!, unit))
        {
            return HttpStatusCode.Forbidden;
        }
        return null;
    }

    [Fact]
    public async Task Every_role_reaches_exactly_its_endpoints_within_its_own_subtree()
    {
        var clients = Callers.ToDictionary(c => c.Name, c => c.Role is null ? fixture.AnonymousClient() : fixture.ClientAs(c.Role, c.Scope!, c.Department));
        var cells = Units.SelectMany(u => EndpointsFor(u).Select(e => (Endpoint: e, Unit: (string?)u)))
            .Concat(Global.Select(e => (Endpoint: e, Unit: (string?)null))).ToArray();
        var failures = new List<string>();
        var count = 0;
        foreach (var caller in Callers)
        {
            foreach (var (endpoint, unit) in cells)
            {
                var expected = Expected(caller, endpoint, unit);
                var actual = await SendAsync(clients[caller.Name], endpoint);
                count++;
                var ok = expected is { } e ? actual == e : actual is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)actual < 500;
                if (!ok)
                {
                    failures.Add($"{caller.Name} {endpoint.Method} {endpoint.Path}: expected {(expected?.ToString() ?? "allowed")}, got {(int)actual} {actual}");
                }
            }
        }
        output.WriteLine($"{count} cells checked");
        Assert.True(count >= 500, $"only {count} cells");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cells wrong:\n" + string.Join("\n", failures.Take(60)));
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, Endpoint endpoint)
    {
        using var request = new HttpRequestMessage(endpoint.Method, endpoint.Path);
        if (endpoint.Body is not null)
        {
            request.Content = new StringContent(endpoint.Body, Encoding.UTF8, "application/json");
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        if ((int)response.StatusCode is 401 or 403)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        return response.StatusCode;
    }

    [Fact]
    public async Task A_department_reporter_cannot_push_another_departments_indicator_and_the_whole_batch_is_refused()
    {
        var education = fixture.ClientAs("department-reporter", "511725", "education");
        var response = await education.PostAsync("/api/v1/counties/511725/data-values", new StringContent("""
            { "year": 2023, "values": [
              { "indicator": "female-young-adult-illiteracy-rate", "numerator": 1, "denominator": 400 },
              { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 4000 } ] }
            """, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"row\":1", body);
        Assert.DoesNotContain("\"row\":0", body);
        var rollup = await fixture.CreateClient().GetStringAsync("/api/v1/org-units/511725/rollup?year=2023");
        Assert.DoesNotContain("female-young-adult-illiteracy-rate", rollup); // row 0 was not applied either

        // Naming another department on its own indicator's row is refused as well.
        var health = fixture.ClientAs("department-reporter", "511725", "health");
        var named = await health.PostAsync("/api/v1/counties/511725/data-values?dryRun=true", new StringContent("""
            { "year": 2023, "values": [ { "indicator": "maternal-mortality-rate", "numerator": 1, "denominator": 4000, "department": "县教育局" } ] }
            """, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, named.StatusCode);
    }

    [Fact]
    public async Task Anonymous_and_bad_tokens_get_401_with_a_challenge()
    {
        var anonymous = fixture.AnonymousClient();
        var response = await anonymous.GetAsync("/api/v1/org-units/510000/rollup");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
        using (var html = new HttpRequestMessage(HttpMethod.Get, "/api/v1/org-units/510000/rollup"))
        {
            html.Headers.Accept.ParseAdd("text/html");
            var browser = await anonymous.SendAsync(html);
            Assert.Equal(HttpStatusCode.Unauthorized, browser.StatusCode);
            Assert.Equal("application/problem+json", browser.Content.Headers.ContentType?.MediaType);
        }

        var token = fixture.Token("province-admin", "510000");
        foreach (var bad in new[] { "garbage", token[..^4] + "AAAA", token.Replace('.', '!'), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6InByb3ZpbmNlLWFkbWluIiwib3JnX3VuaXQiOiIwMDAwMDAifQ." })
        {
            anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bad);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/org-units/510000/rollup")).StatusCode);
        }
        anonymous.DefaultRequestHeaders.Authorization = null;
        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "opk_000000000000_notakey");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/org-units/510000/rollup")).StatusCode);
    }

    [Fact]
    public async Task The_event_stream_takes_the_token_from_the_cookie_only_for_itself()
    {
        var token = fixture.Token("viewer", "511725");
        var client = fixture.AnonymousClient();
        client.DefaultRequestHeaders.Add("Cookie", "plans_token=" + token);
        using (var stream = await client.GetAsync("/api/v1/events?orgUnits=511725", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        }
        using (var other = await client.GetAsync("/api/v1/events?orgUnits=511702", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }
        // Anywhere else the cookie is ignored (no cross-site request can ride on it).
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/v1/counties/511725/data-values",
            new StringContent("""{ "year": 2023, "values": [] }""", Encoding.UTF8, "application/json"))).StatusCode);
    }
}
