using System.Net;

namespace OrleansPlans.Api.Tests;

/// <summary>Per-principal rate limiting on a gateway of its own with a tiny budget: 429 ProblemDetails with Retry-After.</summary>
public sealed class RateLimitTests : IDisposable
{
    private readonly ApiFixture _fixture = new();

    public RateLimitTests()
    {
        _fixture.Settings["Auth:RateLimit:PermitsPerSecond"] = "1";
        _fixture.Settings["Auth:RateLimit:Burst"] = "5";
        _fixture.Settings["Auth:RateLimit:AnonymousPermitsPerSecond"] = "2";
    }

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_principal_over_its_budget_gets_429_with_retry_after_and_others_are_not_affected()
    {
        var county = _fixture.ClientAs("county-reporter", "511725");
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 12; i++)
        {
            var response = await county.GetAsync("/api/v1/indicators");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }
        Assert.True(statuses.Take(5).All(s => s == HttpStatusCode.OK), string.Join(",", statuses));
        Assert.NotNull(limited);
        Assert.Equal("application/problem+json", limited!.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));

        // Another principal has a budget of its own; the probes are never limited.
        var viewer = _fixture.ClientAs("viewer", "510000");
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/indicators")).StatusCode);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _fixture.AnonymousClient().GetAsync("/healthz")).StatusCode);
        }
    }
}
