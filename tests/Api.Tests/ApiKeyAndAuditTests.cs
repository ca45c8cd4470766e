using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Api.Tests;

/// <summary>API keys (issue → use → revoke, shown once, stored hashed), role assignments, the audit trail and its CSV export.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiKeyAndAuditTests(ApiFixture fixture)
{
    // 开江县 511723 and 大竹县 511724 (达州市): no other test pushes there.
    private const string CountyA = "511723";
    private const string CountyB = "511724";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static StringContent Batch(decimal numerator, decimal denominator) =>
        Json($$"""{ "year": 2022, "values": [ { "indicator": "maternal-mortality-rate", "numerator": {{numerator}}, "denominator": {{denominator}} } ] }""");

    private async Task<(string Id, string Key)> IssueAsync(HttpClient admin, string role, string orgUnit, string? department = null, string name = "县统计系统")
    {
        var response = await admin.PostAsJsonAsync("/api/v1/admin/api-keys", new { name, role, orgUnit, department });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return ((string)body["id"]!, (string)body["key"]!);
    }

    private HttpClient WithKey(string key, bool asBearer = false)
    {
        var client = fixture.AnonymousClient();
        if (asBearer)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        else
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }
        return client;
    }

    [Fact]
    public async Task An_api_key_is_shown_once_stored_hashed_scoped_to_its_county_and_refused_once_revoked()
    {
        var admin = fixture.ClientAs("province-admin", "510000");
        var (id, key) = await IssueAsync(admin, "county-reporter", CountyA);
        Assert.StartsWith("opk_" + id + "_", key);

        // Stored as a hash; the listing never shows the key or the hash.
        var stored = await fixture.Services.GetRequiredService<IApiKeyStore>().FindAsync(id);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key))), stored!.Hash);
        var listing = await admin.GetStringAsync("/api/v1/admin/api-keys");
        Assert.Contains(id, listing);
        Assert.DoesNotContain(key[20..], listing);
        Assert.DoesNotContain(stored.Hash, listing);

        var county = WithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await county.PostAsync($"/api/v1/counties/{CountyA}/data-values", Batch(1, 6000))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await county.GetAsync($"/api/v1/org-units/{CountyA}/rollup?year=2022")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WithKey(key, asBearer: true).GetAsync($"/api/v1/org-units/{CountyA}/rollup?year=2022")).StatusCode);
        // County A can neither write nor read county B, nor read its city.
        Assert.Equal(HttpStatusCode.Forbidden, (await county.PostAsync($"/api/v1/counties/{CountyB}/data-values", Batch(1, 6000))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await county.GetAsync($"/api/v1/org-units/{CountyB}/rollup?year=2022")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await county.GetAsync("/api/v1/org-units/511700/rollup?year=2022")).StatusCode);
        // A key of another province's administrator cannot touch it; a reporter cannot issue keys.
        var other = fixture.ClientAs("province-admin", "140000");
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/v1/admin/api-keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync("/api/v1/admin/api-keys", new { name = "x", role = "viewer", orgUnit = CountyA })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await county.PostAsJsonAsync("/api/v1/admin/api-keys", new { name = "x", role = "viewer", orgUnit = CountyA })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/admin/api-keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await county.PostAsync($"/api/v1/counties/{CountyA}/data-values", Batch(1, 7000))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.DeleteAsync($"/api/v1/admin/api-keys/{id}")).StatusCode);
        // A key with one character changed is refused.
        var tampered = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKey(tampered).GetAsync($"/api/v1/org-units/{CountyA}/rollup")).StatusCode);
    }

    [Fact]
    public async Task Every_write_is_in_the_audit_trail_with_principal_org_unit_before_and_after()
    {
        var admin = fixture.ClientAs("province-admin", "510000");
        var (id, key) = await IssueAsync(admin, "county-reporter", CountyB);
        var county = WithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await county.PostAsync($"/api/v1/counties/{CountyB}/data-values", Batch(2, 8000))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await county.PostAsync($"/api/v1/counties/{CountyB}/data-values", Batch(3, 8000))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await county.PostAsync($"/api/v1/counties/{CountyB}/data-values?dryRun=true", Batch(4, 8000))).StatusCode);

        var trail = JsonNode.Parse(await admin.GetStringAsync($"/api/v1/admin/audit?orgUnit={CountyB}"))!.AsArray();
        var pushes = trail.Where(e => (string)e!["action"]! == "data-values.push").ToArray();
        Assert.Equal(2, pushes.Length); // the dry run wrote nothing and is not a write
        var latest = pushes[0]!;
        Assert.Equal("apikey:" + id, (string)latest["principal"]!);
        Assert.Equal(CountyB, (string)latest["orgUnit"]!);
        var change = latest["changes"]!.AsArray().Single()!;
        Assert.Equal((2m, 8000m), ((decimal)change["before"]!["numerator"]!, (decimal)change["before"]!["denominator"]!));
        Assert.Equal(3m, (decimal)change["after"]!["numerator"]!);
        Assert.Null(pushes[1]!["changes"]!.AsArray().Single()!["before"]);
        var issue = trail.Single(e => (string)e!["action"]! == "api-key.issue")!;
        Assert.Equal("api-key:" + id, (string)issue["target"]!);
        Assert.DoesNotContain(key, issue.ToJsonString());

        // Filters: by principal and action, by time; another province's administrator sees none of it.
        var byPrincipal = JsonNode.Parse(await admin.GetStringAsync($"/api/v1/admin/audit?principal=apikey:{id}&action=data-values.push"))!.AsArray();
        Assert.Equal(2, byPrincipal.Count);
        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"));
        Assert.Empty(JsonNode.Parse(await admin.GetStringAsync($"/api/v1/admin/audit?orgUnit={CountyB}&from={future}"))!.AsArray());
        var other = JsonNode.Parse(await fixture.ClientAs("province-admin", "140000").GetStringAsync("/api/v1/admin/audit?limit=1000"))!.AsArray();
        Assert.DoesNotContain(other, e => ((string?)e!["orgUnit"])?.StartsWith("51", StringComparison.Ordinal) == true);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.ClientAs("viewer", "510000").GetAsync("/api/v1/admin/audit")).StatusCode);
    }

    [Fact]
    public async Task A_token_without_roles_gets_the_role_an_administrator_assigned_to_its_subject()
    {
        var token = fixture.Services.GetRequiredService<DevTokenIssuer>();
        // A token as an IdP would issue it: a subject, no role claims.
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();
        var options = fixture.Services.GetRequiredService<AuthOptions>();
        var bare = token.Issue("viewer", "510000", null, "idp|zhang.san").AccessToken;
        var jwt = handler.ReadJsonWebToken(bare);
        Assert.Equal("viewer", jwt.GetClaim("role").Value); // (the dev issuer always sets roles; the IdP case is below)

        var client = fixture.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.TokenWithoutRoles("idp|li.si"));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);

        var admin = fixture.ClientAs("province-admin", "510000");
        var set = await admin.PutAsJsonAsync("/api/v1/admin/role-assignments/idp|li.si", new { role = "viewer", orgUnit = "511700" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/org-units/510000/rollup")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/v1/counties/511725/data-values?dryRun=true", Batch(1, 9000))).StatusCode);
        // Outside the administrator's own scope: refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PutAsJsonAsync("/api/v1/admin/role-assignments/idp|wang.wu", new { role = "viewer", orgUnit = "140000" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/admin/role-assignments/idp|li.si")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
        var trail = await admin.GetStringAsync("/api/v1/admin/audit?action=role-assignment.set");
        Assert.Contains("subject:idp|li.si", trail);
        _ = options;
    }

    [Fact]
    public async Task A_token_whose_claims_are_not_a_valid_grant_is_refused()
    {
        foreach (var (role, unit, department) in new (string, string, string?)[]
                 {
                     ("county-reporter", "510000", null), ("department-reporter", "511725", null), ("city-approver", "511725", null),
                     ("superuser", "510000", null), ("viewer", "999999", null), ("viewer", "511725", "health"),
                 })
        {
            var client = fixture.AnonymousClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Token(role, unit, department));
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
        }
    }

    [Fact]
    public async Task A_token_with_more_than_one_role_org_unit_or_department_is_refused()
    {
        var valid = new Dictionary<string, object> { ["sub"] = "t", ["role"] = "department-reporter", ["org_unit"] = "511725", ["department"] = "health" };
        var client = fixture.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.SignedToken(valid));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
        foreach (var (claim, values) in new (string, object)[]
                 {
                     ("role", new[] { "department-reporter", "province-admin" }), ("org_unit", new[] { "511725", "510000" }),
                     ("department", new[] { "health", "education" }), ("ROLE", "province-admin"),
                 })
        {
            var claims = new Dictionary<string, object>(valid) { [claim] = values };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.SignedToken(claims));
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
        }
        var withoutUnit = new Dictionary<string, object>(valid);
        withoutUnit.Remove("org_unit");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.SignedToken(withoutUnit));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/org-units/511725/rollup")).StatusCode);
    }

    [Fact]
    public async Task The_csv_export_neutralises_formulas()
    {
        // The principal is whatever subject the identity provider put in the token: here, formulas.
        foreach (var subject in new[] { "=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "normal" })
        {
            var client = fixture.AnonymousClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Token("province-admin", "510000", subject: subject));
            await IssueAsync(client, "viewer", "511781", name: subject);
        }
        var admin = fixture.ClientAs("province-admin", "510000");
        var response = await admin.GetAsync("/api/v1/admin/audit?orgUnit=511781&format=csv");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var csv = await response.Content.ReadAsStringAsync();
        var cells = csv.Split(["\",\"", "\r\n\"", "\"\r\n"], StringSplitOptions.None).Select(c => c.Trim('"')).ToArray();
        Assert.DoesNotContain(cells, c => c.Length > 0 && c[0] is '=' or '+' or '-' or '@' or '\t' or '\r');
        Assert.Contains("'=HYPERLINK", csv);
        Assert.Equal("'=1", CsvExport.Neutralise("=1"));
        Assert.Equal("'-2+3", CsvExport.Neutralise("-2+3"));
        Assert.Equal("plain", CsvExport.Neutralise("plain"));
    }

    [Fact]
    public async Task The_development_issuer_refuses_grants_that_make_no_sense()
    {
        var anonymous = fixture.AnonymousClient();
        var ok = await anonymous.PostAsJsonAsync("/api/v1/dev/tokens", new { role = "department-reporter", orgUnit = "511725", department = "health" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        foreach (var body in new object[]
                 {
                     new { role = "county-reporter", orgUnit = "510000" }, new { role = "city-approver", orgUnit = "511725" },
                     new { role = "province-admin", orgUnit = "511700" }, new { role = "department-reporter", orgUnit = "511725" },
                 })
        {
            var response = await anonymous.PostAsJsonAsync("/api/v1/dev/tokens", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
