using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Contracts;

namespace OrleansPlans.Grains.Tests;

/// <summary>
/// Early warnings raised and cleared through pushes, completeness, and the approval chain with its lock, on the two-silo
/// cluster. Each test uses its own province (甘肃 620000, 青海 630000) so they never see each other's figures.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MonitoringTests(ClusterFixture fixture)
{
    private const string Mmr = "maternal-mortality-rate";

    private ICountyGrain County(string code) => fixture.Client.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(code));

    private static DataValueBatch Batch(params DataValueRow[] rows) => new(Guid.NewGuid(), "test", rows, false);

    private static DataValueRow Row(int year, decimal num, decimal den, string disaggregation = "") => new(Mmr, year, disaggregation, num, den, null, null);

    private async Task<WarningRecord[]> Warnings(string county, string kind, string state = "active") =>
        (await County(county).GetWarningsAsync(new WarningFilter(Kind: kind, Indicator: Mmr, State: state))).Warnings;

    [Fact]
    public async Task A_projected_miss_is_raised_by_a_worsening_trend_and_cleared_by_a_correction()
    {
        const string county = "620102"; // 兰州市城关区; national target: maternal mortality < 12/10万 by 2030
        // 20 → 22 → 24 per 100,000 (200 births × 1,000): moving away from the target.
        Assert.True((await County(county).PushAsync(Batch(Row(2020, 200, 1_000_000), Row(2021, 220, 1_000_000), Row(2022, 240, 1_000_000)))).Accepted);
        var raised = Assert.Single(await Warnings(county, "projectedMiss"));
        Assert.Equal(2022, raised.Year);
        Assert.Equal("health", raised.Department);
        Assert.Equal(12d, raised.Numbers["target"]);
        Assert.True(raised.Numbers["projected"] > 24);

        // The 2022 figure is corrected to 14: CAGR (14/20)^(1/2) − 1 = −16.3% a year reaches 12 long before 2030.
        Assert.True((await County(county).PushAsync(Batch(Row(2022, 140, 1_000_000)))).Accepted);
        Assert.Empty(await Warnings(county, "projectedMiss"));
        var cleared = Assert.Single(await Warnings(county, "projectedMiss", "cleared"));
        Assert.Equal(raised.RaisedAt, cleared.RaisedAt);
        Assert.NotNull(cleared.ClearedAt);
    }

    [Fact]
    public async Task Sub_groups_that_do_not_add_up_raise_a_validation_warning_until_fixed()
    {
        const string county = "620103"; // 七里河区
        Assert.True((await County(county).PushAsync(Batch(Row(2023, 3, 10_000), Row(2023, 1, 4_000, "area=urban"), Row(2023, 1, 6_000, "area=rural")))).Accepted);
        var warning = Assert.Single(await Warnings(county, "validationRule"));
        Assert.Equal("subgroups:area", warning.Rule);
        Assert.Equal(2d, warning.Numbers["numeratorSum"]);

        Assert.True((await County(county).PushAsync(Batch(Row(2023, 2, 6_000, "area=rural")))).Accepted);
        Assert.Empty(await Warnings(county, "validationRule"));
    }

    [Fact]
    public async Task A_large_swing_is_a_fluctuation_and_its_correction_clears_it()
    {
        const string county = "620104"; // 西固区: 5,000 events a year, so no pooling
        Assert.True((await County(county).PushAsync(Batch(Row(2020, 5_000, 1_000_000_00), Row(2021, 5_000, 1_000_000_00), Row(2022, 8_000, 1_000_000_00)))).Accepted);
        var swing = Assert.Single(await Warnings(county, "fluctuation"));
        Assert.Equal(2022, swing.Year);
        Assert.Equal(60d, swing.Numbers["percentChange"]);

        Assert.True((await County(county).PushAsync(Batch(Row(2022, 5_100, 1_000_000_00)))).Accepted);
        Assert.Empty(await Warnings(county, "fluctuation"));
    }

    [Fact]
    public async Task Figures_missing_after_the_deadline_are_warned_and_counted_and_a_late_report_clears_the_warning()
    {
        const string county = "620105"; // 安宁区: nothing reported; the 2023 deadline (31 March 2024) has passed
        var missing = (await County(county).GetWarningsAsync(new WarningFilter(Kind: "missingAfterDeadline", Year: 2023))).Warnings;
        Assert.Contains(missing, w => w.Indicator == Mmr);
        var before = (await County(county).GetCompletenessAsync(2023))[0];
        Assert.Equal(0, before.Reported);
        Assert.Equal(before.Expected, before.Missing);
        Assert.True(before.Expected >= 40); // the national defaults apply where a county has no plan of its own

        Assert.True((await County(county).PushAsync(Batch(Row(2023, 1, 5_000)))).Accepted);
        Assert.DoesNotContain(await Warnings(county, "missingAfterDeadline"), w => w.Year == 2023);
        var after = await County(county).GetCompletenessAsync(2023);
        Assert.Equal((1, 0, 1, before.Expected - 1), (after[0].Reported, after[0].OnTime, after[0].Late, after[0].Missing));
        var health = after.Single(c => c.Department == "health");
        Assert.Equal(1, health.Late);
    }

    [Fact]
    public async Task The_register_reads_back_the_same_after_the_county_is_reactivated()
    {
        // A new activation replaces the register's repeated strings with shared copies (national memory): the records
        // must read back unchanged — kinds, wording, figures, raise times, cleared history.
        const string county = "620121"; // 永登县
        Assert.True((await County(county).PushAsync(Batch(Row(2020, 200, 1_000_000), Row(2021, 220, 1_000_000), Row(2022, 240, 1_000_000)))).Accepted);
        Assert.Contains(await Warnings(county, "missingAfterDeadline"), w => w.Year == 2023);
        Assert.True((await County(county).PushAsync(Batch(Row(2023, 1, 5_000)))).Accepted);
        var filter = new WarningFilter(State: "all");
        var before = (await County(county).GetWarningsAsync(filter)).Warnings;
        Assert.Contains(before, w => w.Kind == "missingAfterDeadline" && w.Active);
        Assert.Contains(before, w => w.Kind == "missingAfterDeadline" && !w.Active && w.Indicator == Mmr);
        Assert.Contains(before, w => w.Kind == "projectedMiss");

        await fixture.Cluster.DeactivateAsync(County(county));

        var after = (await County(county).GetWarningsAsync(filter)).Warnings;
        static string Describe(WarningRecord w) =>
            $"{w.Kind}|{w.OrgUnit}|{w.Indicator}|{w.Year}|{w.Disaggregation}|{w.Rule}|{w.Department}|{w.Message}|{w.RaisedAt:O}|{w.ClearedAt:O}|"
            + string.Join(",", w.Numbers.Where(n => n.Key != "daysOverdue").OrderBy(n => n.Key).Select(n => $"{n.Key}={n.Value}"));
        Assert.Equal(before.Select(Describe).Order(StringComparer.Ordinal), after.Select(Describe).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_read_evaluates_the_warnings_at_once_and_the_timer_writes_them()
    {
        // A read brings the register up to date in memory and answers without waiting for storage; the county's warning
        // timer (MonitoringOptions.WarningDelay, 5 s) writes it. Before, every read during a deadline was a write.
        const string county = "620122"; // 皋兰县
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(StorageNames.Plans);
        var grainId = GrainId.Create("county", GrainKeys.OrgUnit(county));
        async Task<WarningRecord?> Stored()
        {
            var register = new GrainState<OrleansPlans.Counties.WarningRegisterState>();
            await storage.ReadStateAsync(StorageNames.CountyWarningRegister, grainId, register);
            return register.State?.Warnings.Values.SingleOrDefault(w => w.Kind == "projectedMiss" && w.Indicator == Mmr && w.Active);
        }

        Assert.True((await County(county).PushAsync(Batch(Row(2020, 200, 1_000_000), Row(2021, 220, 1_000_000), Row(2022, 240, 1_000_000)))).Accepted);
        var raised = Assert.Single(await Warnings(county, "projectedMiss"));
        Assert.Null(await Stored());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        WarningRecord? written;
        while ((written = await Stored()) is null && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(200);
        }
        Assert.NotNull(written);
        Assert.Equal((raised.Key, raised.RaisedAt), (written.Key, written.RaisedAt));
    }

    [Fact]
    public async Task The_approval_chain_locks_the_year_and_the_roll_ups_count_it()
    {
        const string county = "630102"; // 西宁市城东区
        var grain = County(county);
        Assert.True((await grain.PushAsync(Batch(Row(2023, 1, 5_000)))).Accepted);

        Assert.Equal("wrongRole", (await grain.TransitionDatasetAsync(2023, new ApprovalCommand("submit", "city", "c", null))).Error);
        Assert.Equal("notAllowedInState", (await grain.TransitionDatasetAsync(2023, new ApprovalCommand("approve", "city", "c", null))).Error);
        Assert.Null((await grain.TransitionDatasetAsync(2023, new ApprovalCommand("submit", "county", "reporter", null))).Error);
        Assert.Equal("commentRequired", (await grain.TransitionDatasetAsync(2023, new ApprovalCommand("return", "city", "c", " "))).Error);
        var approved = await grain.TransitionDatasetAsync(2023, new ApprovalCommand("approve", "city", "city-approver", null));
        Assert.Null(approved.Error);
        Assert.True(approved.Dataset.Locked);

        var locked = await grain.PushAsync(Batch(Row(2023, 2, 5_000), Row(2022, 1, 5_000)));
        Assert.True(locked.Locked);
        var error = Assert.Single(locked.Errors);
        Assert.Equal((0, "year"), (error.Row, error.Field));
        Assert.Equal(1m, (await grain.GetRollupAsync(2023)).Entries.Single(e => e.Indicator == Mmr && e.Disaggregation == "").Numerator);
        Assert.Equal(1, (await fixture.Client.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit("630000")).GetRollupAsync(2023, false)).Approval!.ApprovedByCity);
        Assert.Equal(1, (await fixture.Client.GetGrain<ICityGrain>(GrainKeys.OrgUnit("630100")).GetRollupAsync(2023, false)).Approval!.ApprovedByCity);

        Assert.Equal("citiesNotAllApproved", (await grain.TransitionDatasetAsync(2023, new ApprovalCommand("approve", "province", "p", null))).Error);
        var unapproved = await grain.TransitionDatasetAsync(2023, new ApprovalCommand("unapprove", "city", "city-approver", "年龄分组有误", ReturnToCounty: true));
        Assert.Equal("open", unapproved.Dataset.State);
        Assert.True((await grain.PushAsync(Batch(Row(2023, 2, 5_000)))).Accepted);
        Assert.Equal(
            ["submit:open→submitted:reporter", "approve:submitted→approvedByCity:city-approver", "unapprove:approvedByCity→open:city-approver"],
            (await grain.GetDatasetAsync(2023)).History.Select(h => $"{h.Action}:{h.From}→{h.To}:{h.Actor}"));
        var province = await fixture.Client.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit("630000")).GetRollupAsync(2023, false);
        Assert.Equal((0, fixture.Data.LeavesOf("630000").Count()), (province.Approval!.ApprovedByCity, province.Approval.Open));
    }

    [Fact]
    public async Task A_cross_indicator_rule_is_checked_at_the_county_and_clears_when_corrected()
    {
        const string county = "620111"; // 红古区: neonatal mortality above infant mortality cannot be
        DataValueRow Death(string indicator, decimal deaths) => new(indicator, 2023, "", deaths, 5_000, null, null);
        Assert.True((await County(county).PushAsync(Batch(Death("neonatal-mortality-rate", 25), Death("infant-mortality-rate", 20), Death("under5-mortality-rate", 30)))).Accepted);
        var page = await County(county).GetWarningsAsync(new WarningFilter(Kind: "validationRule"));
        Assert.Equal(
            new[] { "rule:neonatal-deaths-within-infant-deaths", "rule:neonatal-within-infant-mortality" },
            page.Warnings.Select(w => w.Rule).Order(StringComparer.Ordinal));
        Assert.All(page.Warnings, w => Assert.Equal(("neonatal-mortality-rate", 2023), (w.Indicator, w.Year)));

        // Correcting the other side (infant deaths 26) clears both.
        Assert.True((await County(county).PushAsync(Batch(Death("infant-mortality-rate", 26)))).Accepted);
        Assert.Equal(0, (await County(county).GetWarningsAsync(new WarningFilter(Kind: "validationRule"))).Total);
        Assert.Equal(2, (await County(county).GetWarningsAsync(new WarningFilter(Kind: "validationRule", State: "cleared"))).Total);
    }
}

/// <summary>A register written by the build that kept it inside <c>county-v1</c> moves to its own state on activation.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WarningRegisterMigrationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_register_stored_inside_the_county_state_is_moved_to_its_own_state_once()
    {
        const string county = "640104"; // 银川市兴庆区: no other test touches 宁夏
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(StorageNames.Plans);
        var grainId = GrainId.Create("county", GrainKeys.OrgUnit(county));
        var raisedAt = new DateTimeOffset(2024, 5, 1, 8, 0, 0, TimeSpan.Zero);
        var legacy = new WarningRecord("fluctuation", county, "maternal-mortality-rate", 2023, "", "", "health", "written by the previous build",
            new Dictionary<string, double> { ["percentChange"] = 41.5 }, raisedAt, raisedAt.AddDays(30));
        var old = new GrainState<OrleansPlans.Counties.CountyState>
        {
            State = new OrleansPlans.Counties.CountyState { Sequence = 3, WarningsCheckedSequence = 3 },
        };
        old.State.Warnings[$"legacy@{raisedAt.UtcTicks}"] = legacy;
        await storage.WriteStateAsync(StorageNames.CountyState, grainId, old);

        var page = await fixture.Client.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(county)).GetWarningsAsync(new WarningFilter(Kind: "fluctuation", State: "all"));
        var moved = Assert.Single(page.Warnings);
        Assert.Equal((legacy.Message, legacy.RaisedAt, legacy.ClearedAt), (moved.Message, moved.RaisedAt, moved.ClearedAt));

        var county1 = new GrainState<OrleansPlans.Counties.CountyState>();
        await storage.ReadStateAsync(StorageNames.CountyState, grainId, county1);
        Assert.Empty(county1.State!.Warnings);
        Assert.Equal(3, county1.State.Sequence);
        var register = new GrainState<OrleansPlans.Counties.WarningRegisterState>();
        await storage.ReadStateAsync(StorageNames.CountyWarningRegister, grainId, register);
        Assert.Equal(legacy.Message, Assert.Single(register.State!.Warnings.Values, w => w.Kind == "fluctuation").Message);
        Assert.Equal(3, register.State.CheckedSequence);
    }
}
