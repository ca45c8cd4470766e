using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Grains.Tests;

/// <summary>
/// Pushes through county grains and reads the city and province roll-ups on a two-silo cluster. Each test uses its
/// own province so tests don't see each other's figures.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RollupTests(ClusterFixture fixture)
{
    private const string Mmr = "maternal-mortality-rate";

    private ICountyGrain County(string code) => fixture.Client.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(code));

    private ICityGrain City(string code) => fixture.Client.GetGrain<ICityGrain>(GrainKeys.OrgUnit(code));

    private IProvinceGrain Province(string code) => fixture.Client.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(code));

    private static DataValueBatch Batch(params DataValueRow[] rows) => new(Guid.NewGuid(), "test", rows, false);

    private static DataValueRow Row(int year, decimal num, decimal den, string disaggregation = "") => new(Mmr, year, disaggregation, num, den, null, null);

    private static RollupEntry? Entry(RollupView view, string indicator = Mmr, string disaggregation = "") =>
        view.Entries.SingleOrDefault(e => e.Indicator == indicator && e.Disaggregation == disaggregation);

    [Fact]
    public async Task A_push_reaches_city_and_province_as_a_pooled_rate()
    {
        // 山西省 140000 → 运城市 140800 → 永济市 140881, 盐湖区 140802.
        var a = await County("140881").PushAsync(Batch(Row(2023, 1, 2_000), Row(2023, 0, 1_200, "area=urban")));
        var b = await County("140802").PushAsync(Batch(Row(2023, 1, 18_000)));
        Assert.True(a.Accepted && b.Accepted);
        Assert.Equal(2, a.Imported);

        var city = Entry(await City("140800").GetRollupAsync(2023, includeChildren: true))!;
        Assert.Equal((2m, 20_000m, 10m), (city.Numerator!.Value, city.Denominator!.Value, city.Value!.Value)); // never (50 + 5.56) / 2
        Assert.Equal(2, city.ReportingUnits);
        Assert.Equal(fixture.Data.LeavesOf("140800").Count(), city.ExpectedUnits);
        var child = Assert.Single(city.Children!, c => c.OrgUnit == "140881");
        Assert.Equal(50m, child.Value);

        var province = Entry(await Province("140000").GetRollupAsync(2023, includeChildren: false))!;
        Assert.Equal(10m, province.Value);
        // 盐湖区 (5.56/10万) meets the 12/10万 target, 永济市 (50/10万) does not: the province counts one of each.
        Assert.Equal((1, 1), (province.Statuses.Met, province.Statuses.NotMet));
    }

    [Fact]
    public async Task Resending_changes_nothing_and_a_correction_replaces_never_double_counts()
    {
        // 吉林省 220000 → 白城市 220800 → 大安市 220882.
        var batch = Batch(Row(2022, 3, 4_000));
        var first = await County("220882").PushAsync(batch);
        var again = await County("220882").PushAsync(batch with { BatchId = Guid.NewGuid() });
        Assert.Equal((1, 0, 0), (first.Imported, first.Updated, first.Unchanged));
        Assert.Equal((0, 0, 1), (again.Imported, again.Updated, again.Unchanged));
        Assert.Equal(3m, Entry(await Province("220000").GetRollupAsync(2022, false))!.Numerator);

        var corrected = await County("220882").PushAsync(Batch(Row(2022, 2, 4_100)));
        Assert.Equal(1, corrected.Updated);
        var province = Entry(await Province("220000").GetRollupAsync(2022, false))!;
        Assert.Equal((2m, 4_100m), (province.Numerator!.Value, province.Denominator!.Value));
        Assert.True((await Province("220000").CheckConsistencyAsync()).Consistent);
    }

    [Fact]
    public async Task A_dry_run_validates_and_counts_but_changes_nothing()
    {
        // 湖北省 420000 → 随州市 421300 → 曾都区 421303.
        var summary = await County("421303").PushAsync(Batch(Row(2021, 1, 3_000)) with { DryRun = true });
        Assert.Equal((true, 1), (summary.DryRun, summary.Imported));
        Assert.Null(Entry(await City("421300").GetRollupAsync(2021, false)));
    }

    [Fact]
    public async Task An_invalid_batch_changes_nothing()
    {
        // 河南省 410000 → 郑州市 410100 → 管城回族区 410104.
        var summary = await County("410104").PushAsync(Batch(Row(2021, 1, 3_000), Row(2021, 5, 4, "area=rural")));
        var error = Assert.Single(summary.Errors);
        Assert.Equal((1, "numerator"), (error.Row, error.Field));
        Assert.Empty((await County("410104").GetRollupAsync(2021)).Entries);
        Assert.Null(Entry(await City("410100").GetRollupAsync(2021, false)));
    }

    [Fact]
    public async Task A_reactivated_roll_up_rebuilds_from_its_children()
    {
        // 广东省 440000 → 广州市 440100 → 越秀区 440104, 天河区 440106.
        await County("440104").PushAsync(Batch(Row(2024, 1, 10_000)));
        await County("440106").PushAsync(Batch(Row(2024, 2, 30_000)));
        var before = Entry(await Province("440000").GetRollupAsync(2024, false))!;

        await fixture.Cluster.DeactivateAsync(City("440100"));
        await fixture.Cluster.DeactivateAsync(Province("440000"));

        var after = Entry(await Province("440000").GetRollupAsync(2024, false))!;
        Assert.Equal((before.Numerator, before.Denominator, 7.5m), (after.Numerator, after.Denominator, after.Value!.Value));
        Assert.True((await Province("440000").CheckConsistencyAsync()).Consistent);
    }

    [Fact]
    public async Task Department_records_what_it_reported()
    {
        // 浙江省 330000 → 杭州市 330100 → 上城区 330102.
        await County("330102").PushAsync(Batch(Row(2023, 0, 9_000)));
        var health = await fixture.Client.GetGrain<IDepartmentGrain>(GrainKeys.Department("330102", "health")).GetAsync();
        Assert.Contains(Mmr, health.ResponsibleFor);
        var report = Assert.Single(health.Reported);
        Assert.Equal((Mmr, 2023, 1), (report.Indicator, report.Year, report.Values));
    }

    [Fact]
    public async Task Accepted_changes_are_written_to_the_ledger_once()
    {
        // 江苏省 320000 → 南京市 320100 → 玄武区 320102.
        var first = Batch(Row(2023, 1, 7_000));
        await County("320102").PushAsync(first);
        await County("320102").PushAsync(Batch(Row(2023, 1, 7_000)));   // unchanged: no ledger entry
        await County("320102").PushAsync(Batch(Row(2023, 2, 7_000)));   // a correction: old → new

        var entries = fixture.Cluster.Silos
            .SelectMany(s => ((InMemoryDataValueLedger)s.ServiceProvider.GetRequiredService<IDataValueLedger>()).Entries)
            .Where(e => e.OrgUnit == "320102")
            .OrderBy(e => e.New.Numerator)
            .ToArray();
        Assert.Equal(2, entries.Length);
        Assert.Equal((null, 1m), (entries[0].Old?.Numerator, entries[0].New.Numerator));
        Assert.Equal((1m, 2m), (entries[1].Old?.Numerator, entries[1].New.Numerator));
        Assert.Equal(first.BatchId, entries[0].BatchId);
    }
}
