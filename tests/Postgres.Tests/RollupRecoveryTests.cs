using Orleans.TestingHost;
using OrleansPlans.Contracts;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// The message orders a silo failure produces, replayed deterministically against the real grains: a county's
/// contribution snapshot that reaches its city late (an announcement sent after the county was reactivated, racing a
/// push) must not leave the city permanently wrong. Found by <see cref="SiloKillTests"/>, where it showed as a city
/// missing one acknowledged push for good.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RollupRecoveryTests(PostgresFixture fixture) : IAsyncLifetime
{
    private const string Mmr = "maternal-mortality-rate";
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await PostgresTestCluster.StartAsync(await fixture.NewMigratedDatabaseAsync("rollup"));

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_late_stale_snapshot_followed_by_a_push_is_healed_by_reconciliation()
    {
        var grains = _cluster.Client;
        var county = grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit("511724"));          // 大竹县, in 达州市
        var city = grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit("511700"));
        var province = grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit("510000"));

        Assert.Equal(1, (await county.PushAsync(Batch(2021, 11, 1011))).Imported);
        var early = await county.GetContributionAsync();                                   // what an announcement would carry
        Assert.Equal(new ContributionVersion(0, 1), early.Version);
        Assert.Equal(1, (await county.PushAsync(Batch(2022, 12, 1012))).Imported);       // acknowledged: the city has 2022

        // The early snapshot arrives only now (it was sent before the 2022 push reached the city), then the next push.
        await city.ReplaceChildAsync(early);
        Assert.Equal(1, (await county.PushAsync(Batch(2023, 13, 1013))).Imported);

        // The periodic reconciliation (here called directly, city then province) must restore the acknowledged 2022 figure.
        await city.ReconcileAsync();
        await province.ReconcileAsync();
        var cityReport = await city.CheckConsistencyAsync();
        Assert.True(cityReport.Consistent, $"city 511700: {string.Join("; ", cityReport.Differences.Select(d => $"{d.Key}: maintained {d.Maintained?.Numerator}/{d.Maintained?.Denominator}, recomputed {d.Recomputed?.Numerator}/{d.Recomputed?.Denominator}"))}");
        var provinceReport = await province.CheckConsistencyAsync();
        Assert.True(provinceReport.Consistent, $"province: {provinceReport.Differences.Length} difference(s)");
        foreach (var (year, numerator, denominator) in new[] { (2021, 11m, 1011m), (2022, 12m, 1012m), (2023, 13m, 1013m) })
        {
            var entry = Assert.Single((await province.GetRollupAsync(year, false)).Entries, e => e.Indicator == Mmr && e.Disaggregation == "");
            Assert.Equal((numerator, denominator, 1), (entry.Numerator, entry.Denominator, entry.ReportingUnits));
        }
    }

    private static DataValueBatch Batch(int year, decimal numerator, decimal denominator) =>
        new(Guid.NewGuid(), "rollup-test", [new DataValueRow(Mmr, year, "", numerator, denominator, null, null)], DryRun: false);
}
