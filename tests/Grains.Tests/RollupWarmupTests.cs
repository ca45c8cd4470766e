using Microsoft.Extensions.Logging.Abstractions;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Grains.Tests;

/// <summary>The start-up warm-up of province roll-ups (Orleans:WarmProvinces), on the shared two-silo cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RollupWarmupTests(ClusterFixture fixture)
{
    // 新疆维吾尔自治区: no other test of the collection touches it, so nothing under it is active before this test.
    private const string Province = "650000";

    private async Task<int> ActiveUnder(string grainType, string codePrefix)
    {
        var active = await fixture.Client.GetGrain<IManagementGrain>(0).GetActiveGrains(GrainType.Create(grainType));
        return active.Count(id => id.Key.ToString()!.StartsWith(GrainKeys.Prefix + codePrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Warming_a_province_activates_its_cities_and_counties_before_it_returns()
    {
        Assert.Equal(0, await ActiveUnder("county", "65"));

        var warmup = new RollupWarmup(fixture.Client, fixture.Data, NullLogger<RollupWarmup>.Instance);
        await warmup.WarmAsync([Province], TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.Equal(1, await ActiveUnder("province", Province));
        Assert.Equal(fixture.Data.ChildrenOf(Province).Count, await ActiveUnder("city", "65"));
        Assert.Equal(fixture.Data.LeavesOf(Province).Count(), await ActiveUnder("county", "65"));
    }

    [Theory]
    [InlineData("650100")] // a city
    [InlineData("650102")] // a county-level unit
    [InlineData("990000")] // no such division
    public async Task A_code_that_is_not_a_province_is_refused_before_anything_is_activated(string code)
    {
        var warmup = new RollupWarmup(fixture.Client, fixture.Data, NullLogger<RollupWarmup>.Instance);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => warmup.WarmAsync([code], TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Contains(code, refused.Message, StringComparison.Ordinal);
    }
}
