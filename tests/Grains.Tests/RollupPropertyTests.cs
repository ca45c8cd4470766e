using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Grains.Tests;

/// <summary>
/// Random figures pushed in random order, concurrently from many counties, with corrections and exact repeats:
/// every roll-up must equal a from-scratch computation over the last figure of each county.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RollupPropertyTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Every_roll_up_equals_a_recomputation(int seed)
    {
        // Each seed uses its own province (with its own counties), so seeds never share state.
        var province = seed switch { 1 => "450000", 2 => "530000", _ => "610000" }; // 广西, 云南, 陕西
        var data = fixture.Data;
        var random = new Random(seed);
        var counties = data.LeavesOf(province).OrderBy(_ => random.Next()).Take(24).Select(c => c.Code).ToArray();
        var indicators = data.IndicatorList.Where(i => i.IsNumeric).OrderBy(_ => random.Next()).Take(6).ToArray();
        int[] years = [2021, 2022, 2023];

        // What each county last wrote, per cell: the expected values of record.
        var expected = new Dictionary<(string County, CellKey Key), (decimal Num, decimal? Den)>();
        var batchesPerCounty = counties.ToDictionary(c => c, c => new List<DataValueRow[]>());
        for (var round = 0; round < 6; round++)
        {
            foreach (var county in counties)
            {
                var rows = new List<DataValueRow>();
                foreach (var indicator in indicators.Where(_ => random.NextDouble() < 0.7))
                {
                    foreach (var year in years.Where(_ => random.NextDouble() < 0.6))
                    {
                        foreach (var disaggregation in Disaggregations(indicator).Where(_ => random.NextDouble() < 0.7))
                        {
                            rows.Add(RandomRow(random, indicator, year, disaggregation));
                        }
                    }
                }
                if (rows.Count == 0)
                {
                    continue;
                }
                batchesPerCounty[county].Add([.. rows]);
                if (random.NextDouble() < 0.3)
                {
                    batchesPerCounty[county].Add([.. rows]); // an exact repeat
                }
            }
        }
        foreach (var (county, batches) in batchesPerCounty)
        {
            foreach (var row in batches.SelectMany(b => b))
            {
                var indicator = data.Indicators[row.Indicator];
                expected[(county, new CellKey(row.Indicator, row.Year, row.Disaggregation))] = Aggregation.Parts(indicator, row.Numerator, row.Denominator, row.Value);
            }
        }

        // Counties push concurrently; each county's batches go in order (as a county system sends them).
        await Task.WhenAll(batchesPerCounty.Select(async kv =>
        {
            var grain = fixture.Client.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(kv.Key));
            foreach (var rows in kv.Value)
            {
                var summary = await grain.PushAsync(new DataValueBatch(Guid.NewGuid(), "property-test", rows, false));
                Assert.True(summary.Accepted, string.Join("; ", summary.Errors.Select(e => e.ToString())));
            }
        }));

        // From scratch: group the county cells by city and by province and add them up.
        foreach (var unit in data.ChildrenOf(province).Select(c => c.Code).Append(province))
        {
            var leaves = data.LeavesOf(unit).Select(l => l.Code).ToHashSet();
            var fromScratch = expected.Where(kv => leaves.Contains(kv.Key.County))
                .GroupBy(kv => kv.Key.Key)
                .ToDictionary(g => g.Key, g => (Num: g.Sum(x => x.Value.Num), Den: g.Any(x => x.Value.Den is not null) ? g.Sum(x => x.Value.Den ?? 0m) : (decimal?)null, Count: g.Count()));
            IRollupGrain grain = unit == province
                ? fixture.Client.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(unit))
                : fixture.Client.GetGrain<ICityGrain>(GrainKeys.OrgUnit(unit));
            var maintained = new Dictionary<CellKey, RollupEntry>();
            foreach (var year in years)
            {
                foreach (var e in (await grain.GetRollupAsync(year, false)).Entries)
                {
                    maintained[new CellKey(e.Indicator, year, e.Disaggregation)] = e;
                }
            }
            Assert.Equal(fromScratch.Keys.OrderBy(k => k.ToString()), maintained.Keys.OrderBy(k => k.ToString()));
            foreach (var (key, want) in fromScratch)
            {
                var got = maintained[key];
                var indicator = data.Indicators[key.Indicator];
                Assert.Equal(want.Den, got.Denominator);
                Assert.Equal(want.Count, got.ReportingUnits);
                Assert.Equal(Aggregation.ValueOf(indicator, want.Num, want.Den), got.Value);
            }
            Assert.True((await grain.CheckConsistencyAsync()).Consistent);

            // Each child's contribution in the view with children: its own from-scratch sum, or nothing.
            foreach (var year in years)
            {
                foreach (var entry in (await grain.GetRollupAsync(year, true)).Entries)
                {
                    var key = new CellKey(entry.Indicator, year, entry.Disaggregation);
                    var indicator = data.Indicators[key.Indicator];
                    Assert.Equal(data.ChildrenOf(unit).Select(c => c.Code).Order(StringComparer.Ordinal), entry.Children!.Select(c => c.OrgUnit).Order(StringComparer.Ordinal));
                    foreach (var child in entry.Children!)
                    {
                        var childLeaves = data.LeavesOf(child.OrgUnit).Select(l => l.Code).ToHashSet();
                        var parts = expected.Where(kv => kv.Key.Key == key && childLeaves.Contains(kv.Key.County)).Select(kv => kv.Value).ToArray();
                        Assert.Equal(parts.Length, child.ReportingUnits);
                        if (parts.Length > 0)
                        {
                            decimal? den = parts.Any(p => p.Den is not null) ? parts.Sum(p => p.Den ?? 0m) : null;
                            Assert.Equal(Aggregation.ValueOf(indicator, parts.Sum(p => p.Num), den), child.Value);
                            Assert.Equal(parts.Length, child.Statuses.Total);
                        }
                    }
                }
            }
        }
    }

    private static IEnumerable<string> Disaggregations(IndicatorDefinition indicator) =>
        indicator.Disaggregations.SelectMany(c => indicator.OptionsOf(c).Select(o => $"{c}={o}")).Prepend(Disaggregation.Total);

    private static DataValueRow RandomRow(Random random, IndicatorDefinition indicator, int year, string disaggregation)
    {
        var den = (decimal)random.Next(1, 50_000);
        return indicator.Kind switch
        {
            IndicatorKind.Rate or IndicatorKind.Percentage => new DataValueRow(indicator.Code, year, disaggregation, Math.Round(den * (decimal)random.NextDouble() * 0.9m), den, null, null),
            IndicatorKind.Mean => new DataValueRow(indicator.Code, year, disaggregation, null, den, Math.Round((decimal)random.NextDouble() * 100m, 2), null),
            _ => new DataValueRow(indicator.Code, year, disaggregation, null, null, random.Next(0, 500), null),
        };
    }
}
