using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Placement;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// A silo that joins a running cluster takes over the cities it owns (their counties and roll-ups move to it, with
/// their figures), and when it leaves they come back — with every acknowledged push still in the roll-ups. Before the
/// partition placement, every grain stayed on the first silo up (docs/benchmarks.md, sessions 12 and 13).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PartitionPlacementTests(PostgresFixture fixture) : IAsyncLifetime
{
    private const string Mmr = "maternal-mortality-rate";
    private const string Sichuan = "510000";
    private static readonly string[] PartitionedTypes = ["county", "city", "province"];
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await PostgresTestCluster.StartAsync(
        await fixture.NewMigratedDatabaseAsync("partition"), silos: 1,
        settings: new Dictionary<string, string?>
        {
            ["OrleansPlans:Placement:SettleDelay"] = "00:00:00.200",
            ["OrleansPlans:Placement:CheckPeriod"] = "00:00:01",
        });

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_joining_silo_takes_over_the_cities_it_owns_and_hands_them_back_when_it_leaves()
    {
        var grains = _cluster.Client;
        var data = _cluster.Silos[0].ServiceProvider.GetRequiredService<PlanData>();
        var province = grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(Sichuan));
        // One push into every city of 四川 (21 partitions plus the province's: both silos get some whatever their ports).
        var firstCounties = data.ChildrenOf(Sichuan).Select(city => data.LeavesOf(city.Code).First().Code).ToArray();
        var expected = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (county, i) in firstCounties.Select((c, i) => (c, i)))
        {
            expected[county] = 10 + i;
            Assert.Equal(1, (await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(county)).PushAsync(Batch(10 + i))).Imported);
        }
        await province.GetVersionAsync();   // activates every city, and they every county, all on the only silo
        await AssertProvinceHoldsAsync(province, expected);
        var first = _cluster.Silos[0].SiloAddress;
        var all = 1 + data.ChildrenOf(Sichuan).Count + data.LeavesOf(Sichuan).Count();   // 205 grains
        var before = await PartitionedActivationsAsync();
        Assert.Equal(all, before.Length);
        Assert.All(before, a => Assert.Equal(first, a.Silo));

        // The grains the joining silo owns deactivate on the first and are called again, which activates them on it.
        var joined = await _cluster.StartAdditionalSiloAsync();
        var placement = await WaitForOwnersAsync(data, [first, joined.SiloAddress], all);
        Assert.Contains(placement, a => a.Silo.Equals(joined.SiloAddress) && a.Type == "county");
        Assert.Contains(placement, a => a.Silo.Equals(first) && a.Type == "county");
        // What each silo reports at /metrics (orleansplans_placement_grains): what it holds, nothing misplaced.
        foreach (var silo in new[] { first, joined.SiloAddress })
        {
            Assert.Equal((placement.Count(a => a.Silo.Equals(silo)), 0), _cluster.GetSiloServiceProvider(silo).GetRequiredService<PartitionRebalancer>().Count());
        }
        // The hand-over went straight to the owner: no grain came back to the first silo (a city activating on the new
        // silo calls its counties, and before counties moved first those calls brought counties back to the old one).
        Assert.Equal(0, _cluster.GetSiloServiceProvider(first).GetRequiredService<PartitionRebalancer>().Returns);
        await AssertProvinceHoldsAsync(province, expected);

        // A push into a county that moved lands in the roll-ups like any other.
        var moved = placement.First(a => a.Silo.Equals(joined.SiloAddress) && a.Type == "county" && expected.ContainsKey(GrainKeys.CodeOf(a.Key)));
        var movedCode = GrainKeys.CodeOf(moved.Key);
        expected[movedCode] = 99;
        Assert.Equal(1, (await grains.GetGrain<ICountyGrain>(moved.Key).PushAsync(Batch(99))).Updated);
        await AssertProvinceHoldsAsync(province, expected);

        // A graceful stop hands its cities back: they reactivate on the first silo from PostgreSQL.
        await _cluster.StopSiloAsync(joined);
        await AssertProvinceHoldsAsync(province, expected);
        Assert.All(await WaitForOwnersAsync(data, [first], all), a => Assert.Equal(first, a.Silo));
    }

    /// <summary>Polls until all <paramref name="count"/> partitioned grains are active, each on its partition's owner.</summary>
    private async Task<Activation[]> WaitForOwnersAsync(PlanData data, SiloAddress[] silos, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var activations = await PartitionedActivationsAsync();
            var owners = PartitionOwners.Compute(data, silos);
            var misplaced = activations.Where(a => !a.Silo.Equals(owners.OwnerOf(CityPartitions.Of(data, a.Key)))).ToArray();
            if (misplaced.Length == 0 && activations.Length == count)
            {
                return activations;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"after 60 s {activations.Length} of {count} partitioned grains active, {misplaced.Length} not on their owners, e.g. {string.Join(", ", misplaced.Take(5).Select(a => $"{a.Key} on {a.Silo}"))}");
            }
            await Task.Delay(250);
        }
    }

    private async Task<Activation[]> PartitionedActivationsAsync()
    {
        var statistics = await _cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return [.. statistics
            .Where(s => PartitionedTypes.Contains(s.GrainId.Type.ToString()))
            .Select(s => new Activation(s.GrainId.Type.ToString()!, s.GrainId.Key.ToString()!, s.SiloAddress))];
    }

    /// <summary>The province's maternal mortality of 2023 is Σ numerators / Σ denominators of exactly the pushed counties.</summary>
    private static async Task AssertProvinceHoldsAsync(IProvinceGrain province, IReadOnlyDictionary<string, decimal> pushed)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var entry = (await province.GetRollupAsync(2023, false)).Entries.SingleOrDefault(e => e.Indicator == Mmr && e.Disaggregation == "");
            var actual = (entry?.Numerator, entry?.Denominator, entry?.ReportingUnits);
            var wanted = ((decimal?)pushed.Values.Sum(), (decimal?)(1000m * pushed.Count), (int?)pushed.Count);
            if (actual == wanted && (await province.CheckConsistencyAsync()).Consistent)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Equal(wanted, actual);
                Assert.True((await province.CheckConsistencyAsync()).Consistent, "province roll-up differs from its counties");
            }
            await Task.Delay(250);
        }
    }

    private static DataValueBatch Batch(decimal numerator) =>
        new(Guid.NewGuid(), "partition-test", [new DataValueRow(Mmr, 2023, "", numerator, 1000m, null, null)], DryRun: false);

    private sealed record Activation(string Type, string Key, SiloAddress Silo);
}
