using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// The gateway's own scheme remembers the principal of an accepted token only when the token carries its grant, hands
/// each request a copy, forgets it at the token's deadline, and lets the scheme the credentials were meant for answer
/// 401s.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GrantedTokensTests(ApiFixture fixture)
{
    private const string Rollup = "/api/v1/org-units/511725/rollup";

    [Fact]
    public async Task A_token_carrying_a_valid_grant_is_remembered_after_its_first_acceptance()
    {
        var granted = fixture.Services.GetRequiredService<GrantedTokens>();
        var token = fixture.Token("viewer", "511700", subject: "remembered-viewer");
        Assert.Null(granted.Find(token));

        var client = Bearer(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Rollup)).StatusCode);
        var remembered = granted.Find(token);
        Assert.NotNull(remembered);
        Assert.Equal("viewer", remembered.FindFirst(PlansClaims.Role)?.Value);
        Assert.Equal("remembered-viewer", PlansPrincipal.SubjectOf(remembered));

        // The remembered principal grants exactly what the token grants, request after request.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Rollup)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/org-units/510000/rollup")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/v1/counties/511725/data-values?dryRun=true", new StringContent("[]", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        }
    }

    [Fact]
    public async Task Refused_tokens_and_tokens_without_a_grant_of_their_own_are_never_remembered()
    {
        var granted = fixture.Services.GetRequiredService<GrantedTokens>();
        var invalidGrant = fixture.Token("county-reporter", "510000");
        var roleless = fixture.TokenWithoutRoles("idp|never-remembered");
        var admin = fixture.ClientAs("province-admin", "510000");
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/admin/role-assignments/idp|never-remembered", new { role = "viewer", orgUnit = "511700" })).StatusCode);

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer(invalidGrant).GetAsync(Rollup)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Bearer(roleless).GetAsync(Rollup)).StatusCode);
        }
        Assert.Null(granted.Find(invalidGrant));
        Assert.Null(granted.Find(roleless));

        // The assignment still rules each request of the role-less token.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/admin/role-assignments/idp|never-remembered")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Bearer(roleless).GetAsync(Rollup)).StatusCode);
    }

    [Fact]
    public async Task A_401_is_the_challenge_of_the_scheme_the_credentials_were_meant_for()
    {
        var anonymous = await fixture.AnonymousClient().GetAsync(Rollup);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);

        var forged = await Bearer(fixture.Token("viewer", "511700") + "x").GetAsync(Rollup);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        var challenge = forged.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("invalid_token", challenge.Parameter);

        var key = fixture.AnonymousClient();
        key.DefaultRequestHeaders.Add(ApiKeyFormat.Header, "opk_0123456789ab_not-the-secret-of-any-key");
        var badKey = await key.GetAsync(Rollup);
        Assert.Equal(HttpStatusCode.Unauthorized, badKey.StatusCode);
        Assert.Equal("ApiKey", badKey.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public void Each_request_gets_its_own_copy_until_the_deadline_and_never_for_more_than_five_minutes()
    {
        var time = new ManualTime();
        var granted = new GrantedTokens(time);
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(PlansClaims.Subject, "s"), new Claim(PlansClaims.Role, "viewer")], "Bearer"));
        granted.Remember("short", principal, time.GetUtcNow().AddMinutes(2));
        granted.Remember("long", principal, time.GetUtcNow().AddHours(8));
        granted.Remember("past", principal, time.GetUtcNow().AddSeconds(-1));

        var first = granted.Find("short")!;
        first.AddIdentity(new ClaimsIdentity([new Claim(PlansClaims.Role, "province-admin")]));
        ((ClaimsIdentity)first.Identity!).AddClaim(new Claim(PlansClaims.Role, "province-admin"));
        principal.AddIdentity(new ClaimsIdentity([new Claim(PlansClaims.Role, "province-admin")]));
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(PlansClaims.Role, "province-admin"));
        Assert.Equal(3, first.FindAll(PlansClaims.Role).Count());
        Assert.Single(granted.Find("short")!.FindAll(PlansClaims.Role));
        Assert.NotSame(granted.Find("short"), granted.Find("short"));
        Assert.Null(granted.Find("past"));

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.NotNull(granted.Find("short"));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(granted.Find("short"));
        Assert.NotNull(granted.Find("long"));
        time.Advance(RememberedTokens.MaxAge - TimeSpan.FromMinutes(2));
        Assert.Null(granted.Find("long"));
    }

    private HttpClient Bearer(string token)
    {
        var client = fixture.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
