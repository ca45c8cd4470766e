using System.Net;
using Orleans.Runtime;
using OrleansPlans.Domain.Loading;
using OrleansPlans.Placement;

namespace OrleansPlans.Domain.Tests;

/// <summary>Which silo owns which city's subtree: the same answer on every silo, and little movement when silos change.</summary>
public sealed class CityPartitionsTests
{
    private static readonly Lazy<PlanData> Data = new(() => PlanDataLoader.Load(PlanDataLoader.LocateDataDirectory()));

    /// <summary>Every partition of China: the prefecture-level cities and the provinces.</summary>
    private static string[] AllPartitions => [.. Data.Value.OrgUnits.Values
        .Where(u => u.Level is OrgUnitLevel.Prefecture or OrgUnitLevel.Province).Select(u => u.Code)];

    [Theory]
    [InlineData("cn-511724", "511700")]                           // 大竹县 → 达州市
    [InlineData("cn-511724/maternal-mortality-rate", "511700")]   // its indicator grain stays with it
    [InlineData("cn-511724/health", "511700")]                    // and its department grain
    [InlineData("cn-511700", "511700")]                           // the city itself
    [InlineData("cn-510000", "510000")]                           // a province is a partition of its own
    [InlineData("cn-441900", "441900")]                           // 东莞市 reports as its own stand-in county
    [InlineData("cn-110101", "110100")]                           // 东城区 under 北京's prefecture-level unit
    public void A_grain_belongs_to_its_prefecture_level_city(string key, string partition) =>
        Assert.Equal(partition, CityPartitions.Of(Data.Value, key));

    [Fact]
    public void Every_reporting_unit_shares_its_city_roll_ups_partition()
    {
        var data = Data.Value;
        foreach (var county in data.ReportingUnits)
        {
            Assert.Equal(county.ParentCode, CityPartitions.Of(data, "cn-" + county.Code));
        }
    }

    [Fact]
    public void The_owner_does_not_depend_on_the_order_silos_are_listed_in()
    {
        var silos = Silos(5, seed: 1);
        var reversed = silos.AsEnumerable().Reverse().ToArray();
        foreach (var partition in AllPartitions)
        {
            Assert.Equal(CityPartitions.Owner(partition, silos), CityPartitions.Owner(partition, reversed));
        }
        Assert.Null(CityPartitions.Owner("510100", []));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_joining_silo_takes_only_partitions_it_now_owns_and_a_leaving_one_gives_up_only_its_own(int seed)
    {
        var before = Silos(3, seed);
        var joining = Silos(1, seed + 100)[0];
        var after = before.Append(joining).ToArray();
        var moved = 0;
        foreach (var partition in AllPartitions)
        {
            var (was, now) = (CityPartitions.Owner(partition, before)!, CityPartitions.Owner(partition, after)!);
            if (!was.Equals(now))
            {
                Assert.Equal(joining, now);
                moved++;
            }
            // The reverse: when the new silo leaves again, exactly its partitions go back where they were.
            Assert.Equal(was, CityPartitions.Owner(partition, before));
        }
        // About a quarter of China's 365 partitions move to the fourth silo (not none, not a reshuffle).
        Assert.InRange(moved, AllPartitions.Length / 8, AllPartitions.Length / 2);

        var leaving = before[0];
        var remaining = before.Skip(1).ToArray();
        foreach (var partition in AllPartitions)
        {
            var was = CityPartitions.Owner(partition, before)!;
            if (!was.Equals(leaving))
            {
                Assert.Equal(was, CityPartitions.Owner(partition, remaining));
            }
        }
    }

    [Theory]
    [InlineData(2, 7)]
    [InlineData(3, 8)]
    [InlineData(4, 9)]
    public void Silos_share_the_partitions_of_china_about_evenly(int count, int seed)
    {
        var silos = Silos(count, seed);
        var owned = AllPartitions.GroupBy(p => CityPartitions.Owner(p, silos)!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(count, owned.Count);
        var even = (double)AllPartitions.Length / count;
        Assert.All(owned.Values, n => Assert.InRange(n, even * 0.7, even * 1.3));
    }

    /// <summary>Silo addresses as a Kubernetes deployment has them: pod IPs, the silo port, a start-time generation.</summary>
    private static SiloAddress[] Silos(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => SiloAddress.New(
            new IPEndPoint(new IPAddress([10, 244, (byte)random.Next(256), (byte)random.Next(1, 255)]), 11111),
            random.Next(100_000_000, int.MaxValue)))];
    }
}
