using OrleansPlans.Contracts;
using OrleansPlans.Domain.Evaluation;
using static OrleansPlans.Domain.Tests.Evaluation.EvaluationFixtures;

namespace OrleansPlans.Domain.Tests.Evaluation;

/// <summary>Small numbers: pooling three years of numerators and denominators before rating.</summary>
public class PooledSeriesTests
{
    // A county with 3,000–4,000 births a year and 0 or 1 maternal deaths.
    private static readonly Dictionary<int, YearCounts> SmallCounty = new()
    {
        [2018] = new(1, 3000), [2019] = new(0, 3000), [2020] = new(1, 4000),
        [2021] = new(0, 3000), [2022] = new(1, 3000), [2023] = new(0, 3000), [2024] = new(0, 4000),
    };

    [Fact]
    public void Pools_trailing_three_years_as_sums_of_parts()
    {
        var pooled = PooledSeries.Pool(MaternalMortality, SmallCounty);
        Assert.Equal(20m, pooled[2020]);      // (1 + 0 + 1)/(3000 + 3000 + 4000) × 100,000 = 2/10,000 × 100,000
        Assert.Equal(10m, pooled[2021]);      // (0 + 1 + 0)/(3000 + 4000 + 3000) × 100,000
        Assert.Equal(20m, pooled[2022]);      // (1 + 0 + 1)/(4000 + 3000 + 3000) × 100,000
        Assert.Equal(11.1111m, pooled[2023]); // 1/9000 × 100,000 = 11.1111 (4 decimals, as Aggregation keeps)
        Assert.Equal(10m, pooled[2024]);      // (1 + 0 + 0)/(3000 + 3000 + 4000) × 100,000
        Assert.Equal(1m / 3000m * 100_000m, pooled[2018]!.Value, 4); // first year pools only itself: 33.3333
    }

    [Fact]
    public void A_gap_shortens_the_window_and_a_missing_year_has_no_pooled_figure()
    {
        var counts = new Dictionary<int, YearCounts> { [2020] = new(1, 1000), [2022] = new(2, 1000) };
        var pooled = PooledSeries.Pool(MaternalMortality, counts);
        Assert.Equal(100m, pooled[2020]);      // 1/1000 × 100,000
        Assert.Equal(150m, pooled[2022]);      // (1 + 2)/(1000 + 1000) × 100,000; 2021 absent
        Assert.False(pooled.ContainsKey(2021));
        // Window 1 is the unpooled series; a zero denominator gives no figure.
        var yearly = PooledSeries.Values(MaternalMortality, new Dictionary<int, YearCounts> { [2020] = new(1, 4000), [2021] = new(0, 0) });
        Assert.Equal(25m, yearly[2020]);
        Assert.Null(yearly[2021]);
    }

    [Fact]
    public void Only_rates_and_percentages_are_pooled()
    {
        Assert.Throws<ArgumentException>(() => PooledSeries.Pool(Homes, SmallCounty));
        Assert.Throws<ArgumentOutOfRangeException>(() => PooledSeries.Pool(MaternalMortality, SmallCounty, 0));
    }

    [Fact]
    public void A_lucky_zero_year_does_not_achieve_the_target_when_pooled()
    {
        TargetView[] targets = [Target("<", 8m, 2030)];
        // Unpooled: 2024 = 0/4000 = 0 < 8 → "achieved" on one zero year.
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(MaternalMortality, PooledSeries.Values(MaternalMortality, SmallCounty), targets, 2024).Rating);
        // Pooled (1 and 0 deaths are below 20): base 2020 = 20, current 2024 = 10.
        var r = ProgressRater.RateCounts(MaternalMortality, SmallCounty, targets, 2024);
        Assert.True(r.Pooled);
        Assert.Equal((20m, 10m), (r.BaseValue, r.CurrentValue));
        // CAGR_obs = (10/20)^(1/4) − 1 = −0.1591036; CAGR_req = (8/20)^(1/10) − 1 = −0.0875565; R = 1.817154 → on track.
        Near(-0.159103585, r.ObservedCagr);
        Near(-0.087556463, r.RequiredCagr);
        Near(1.8171541, r.Score, 1e-4);
        Assert.Equal(ProgressRating.OnTrack, r.Rating);
        Assert.StartsWith("pooled 3-year", r.Reason);
    }

    [Fact]
    public void A_pooled_zero_base_falls_back_to_linear_slopes()
    {
        var counts = new Dictionary<int, YearCounts>
        {
            [2018] = new(0, 3000), [2019] = new(0, 3000), [2020] = new(0, 4000),
            [2021] = new(0, 3000), [2022] = new(1, 3000), [2023] = new(0, 3000), [2024] = new(0, 4000),
        };
        var r = ProgressRater.RateCounts(MaternalMortality, counts, [Target("<", 8m, 2030)], 2024);
        Assert.True(r.Pooled);
        Assert.Equal((0m, 10m), (r.BaseValue, r.CurrentValue)); // 0/10,000 and 1/10,000 × 100,000
        Assert.Equal(RatingMethod.TargetLinear, r.Method);
        Near(2.5, r.ObservedSlope);  // (10 − 0)/4
        Near(0.8, r.RequiredSlope);  // (8 − 0)/10
        Near(-3.125, r.Score);       // −1 × 2.5/0.8
        Assert.Equal(ProgressRating.Deteriorating, r.Rating);
    }

    [Fact]
    public void Large_numbers_are_not_pooled()
    {
        var counts = new Dictionary<int, YearCounts> { [2019] = new(1000, 10000), [2020] = new(4000, 10000), [2024] = new(4600, 10000) };
        var r = ProgressRater.RateCounts(Screening, counts, [Target(">=", 70m)], 2024);
        Assert.False(r.Pooled);
        // 40% → 46%: R = 0.617788 as in the unpooled case (2019 would have dragged a pooled base down to 25%).
        Assert.Equal((40m, 46m), (r.BaseValue, r.CurrentValue));
        Near(0.6177884, r.Score, 1e-4);
        Assert.Equal(ProgressRating.ModerateProgress, r.Rating);
    }
}
