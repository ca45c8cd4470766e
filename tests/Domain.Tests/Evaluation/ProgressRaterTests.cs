using OrleansPlans.Contracts;
using OrleansPlans.Domain.Evaluation;
using static OrleansPlans.Domain.Tests.Evaluation.EvaluationFixtures;

namespace OrleansPlans.Domain.Tests.Evaluation;

/// <summary>
/// The Statistics Canada rating against hand-computed cases. Growth rates are written as (v1/v0)^(1/n) − 1 with the value
/// worked out to 6+ digits; R = d·CAGR_obs/|CAGR_req|. Doubles are compared within 1e-6 (R within 1e-4).
/// </summary>
public class ProgressRaterTests
{
    private static readonly TargetView Screening70By2030 = Target(">=", 70m, 2030);

    [Fact]
    public void Lower_is_better_numeric_target_on_track()
    {
        // 孕产妇死亡率 2020 = 20, 2024 = 16 per 100,000; target < 12 by 2030.
        var r = ProgressRater.Rate(MaternalMortality, Series((2020, 20), (2024, 16)), Target("<", 12m), 2024);
        // CAGR_obs = (16/20)^(1/4) − 1 = 0.8^0.25 − 1 = −0.0542584
        Near(-0.054258391, r.ObservedCagr);
        // CAGR_req = (12/20)^(1/10) − 1 = 0.6^0.1 − 1 = −0.0497998
        Near(-0.049799783, r.RequiredCagr);
        // R = −1 × −0.0542584 / 0.0497998 = 1.08953 ≥ 0.95
        Near(1.0895307, r.Score, 1e-4);
        Assert.Equal(ProgressRating.OnTrack, r.Rating);
        Assert.Equal(RatingMethod.TargetGrowth, r.Method);
        Assert.Equal((2020, 20m, 2024, 16m, 12m, 2030), (r.BaseYear, r.BaseValue, r.CurrentYear, r.CurrentValue, r.TargetValue, r.TargetYear));
        Assert.False(r.Pooled);
    }

    [Theory]
    // Screening 2020 = 40, target ≥ 70 by 2030: CAGR_req = (70/40)^(1/10) − 1 = 1.75^0.1 − 1 = 0.0575571.
    // 46: CAGR_obs = 1.15^0.25 − 1 = 0.0355581; R = 0.0355581/0.0575571 = 0.617788 → moderate (0.60 ≤ R < 0.95)
    [InlineData(46, 0.035558076, 0.6177884, ProgressRating.ModerateProgress)]
    // 42: CAGR_obs = 1.05^0.25 − 1 = 0.0122722; R = 0.213219 → limited (0 ≤ R < 0.60)
    [InlineData(42, 0.012272234, 0.2132186, ProgressRating.LimitedProgress)]
    // 38: CAGR_obs = 0.95^0.25 − 1 = −0.0127415; R = −0.221371 → deteriorating
    [InlineData(38, -0.012741455, -0.2213709, ProgressRating.Deteriorating)]
    public void Higher_is_better_numeric_target_classes(double current, double cagr, double ratio, ProgressRating expected)
    {
        var r = ProgressRater.Rate(Screening, Series((2020, 40), (2024, current)), Screening70By2030, 2024);
        Near(cagr, r.ObservedCagr);
        Near(0.057557050, r.RequiredCagr);
        Near(ratio, r.Score, 1e-4);
        Assert.Equal(expected, r.Rating);
    }

    [Fact]
    public void Achieved_when_current_meets_the_target_including_approximate()
    {
        // 72 ≥ 70: achieved regardless of trend.
        var met = ProgressRater.Rate(Screening, Series((2020, 40), (2024, 72)), Screening70By2030, 2024);
        Assert.Equal(ProgressRating.Achieved, met.Rating);
        Assert.Equal(RatingMethod.TargetMet, met.Method);
        Assert.Null(met.Score);
        // 达到70%左右: 67 ≥ 70 − 5% × 70 = 66.5 → achieved; without 左右, 67 < 70 is rated on its trend.
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(Screening, Series((2020, 40), (2024, 67)), Target(">=", 70m, approximate: true), 2024).Rating);
        Assert.NotEqual(ProgressRating.Achieved, ProgressRater.Rate(Screening, Series((2020, 40), (2024, 67)), Screening70By2030, 2024).Rating);
        // "=" accepts ±5%: 45 ± 2.25 → 43 meets.
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(Screening, Series((2020, 30), (2024, 43)), Target("=", 45m), 2024).Rating);
        // Lower is better: 11.9 < 12.
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(MaternalMortality, Series((2020, 20), (2024, 11.9)), Target("<", 12m), 2024).Rating);
    }

    [Fact]
    public void One_year_is_enough_to_be_achieved_but_not_to_rate_a_trend()
    {
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(Screening, Series((2024, 75)), Screening70By2030, 2024).Rating);
        var one = ProgressRater.Rate(Screening, Series((2024, 50)), Screening70By2030, 2024);
        Assert.Equal(ProgressRating.InsufficientData, one.Rating);
        Assert.Equal(2024, one.CurrentYear);
        Assert.Null(one.BaseYear);
        Assert.Equal(ProgressRating.InsufficientData, ProgressRater.Rate(Screening, Series(), Screening70By2030, 2024).Rating);
        // Data only before the baseline year does not count.
        Assert.Equal(ProgressRating.InsufficientData, ProgressRater.Rate(Screening, Series((2018, 30), (2019, 35)), Screening70By2030, 2024).Rating);
    }

    [Fact]
    public void Plans_ending_2025_and_2030_rate_the_same_figures_differently()
    {
        var figures = Series((2020, 40), (2024, 46));
        // 2030 plan: R = 0.617788 (above) → moderate.
        var plan2030 = ProgressRater.Rate(Screening, figures, Target(">=", 70m, 2030), 2024);
        Assert.Equal(ProgressRating.ModerateProgress, plan2030.Rating);
        // 2025 plan: CAGR_req = 1.75^(1/5) − 1 = 0.1184269; R = 0.0355581/0.1184269 = 0.300253 → limited.
        var plan2025 = ProgressRater.Rate(Screening, figures, Target(">=", 70m, 2025), 2024);
        Near(0.118426915, plan2025.RequiredCagr);
        Near(0.3002533, plan2025.Score, 1e-4);
        Assert.Equal(ProgressRating.LimitedProgress, plan2025.Rating);
        Assert.Equal(2025, plan2025.TargetYear);
    }

    [Fact]
    public void Evaluating_a_2025_plan_after_2025_keeps_its_last_target()
    {
        // 2026 evaluation of a plan ending 2025 (target ≥ 50 by 2025): 2020 = 40, 2026 = 48, not met.
        TargetView[] targets = [Target(">=", 50m, 2025)];
        var r = ProgressRater.Rate(Screening, Series((2020, 40), (2026, 48)), targets, 2026);
        Assert.Equal(2025, r.TargetYear);
        // CAGR_obs = 1.2^(1/6) − 1 = 0.0308533; CAGR_req = 1.25^(1/5) − 1 = 0.0456396; R = 0.676022 → moderate.
        Near(0.030853320, r.ObservedCagr);
        Near(0.045639553, r.RequiredCagr);
        Near(0.6760215, r.Score, 1e-4);
        Assert.Equal(ProgressRating.ModerateProgress, r.Rating);
    }

    [Fact]
    public void Two_year_targets_rate_against_the_earliest_target_year_at_or_after_the_evaluation_year()
    {
        // 2025 target ≥ 50, 2030 target ≥ 70; 2020 = 40.
        TargetView[] targets = [Target(">=", 70m, 2030), Target(">=", 50m, 2025)];
        // Evaluated 2024 with 48: the 2025 target governs. CAGR_obs = 1.2^0.25 − 1 = 0.0466351;
        // CAGR_req = 1.25^0.2 − 1 = 0.0456396; R = 1.021814 → on track (against 2030 it would be 0.810242, moderate).
        var r2024 = ProgressRater.Rate(Screening, Series((2020, 40), (2024, 48)), targets, 2024);
        Assert.Equal(2025, r2024.TargetYear);
        Near(1.0218141, r2024.Score, 1e-4);
        Assert.Equal(ProgressRating.OnTrack, r2024.Rating);
        // Evaluated 2026 with 52: meets the 2025 target but the 2030 one governs now: CAGR_obs = 1.3^(1/6) − 1 = 0.0446975;
        // R = 0.0446975/0.0575571 = 0.776577 → moderate, not achieved.
        var r2026 = ProgressRater.Rate(Screening, Series((2020, 40), (2024, 48), (2026, 52)), targets, 2026);
        Assert.Equal(2030, r2026.TargetYear);
        Near(0.7765775, r2026.Score, 1e-4);
        Assert.Equal(ProgressRating.ModerateProgress, r2026.Rating);
        // Evaluated 2025 with 50: the 2025 target is met → achieved.
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(Screening, Series((2020, 40), (2025, 50)), targets, 2025).Rating);
    }

    [Fact]
    public void Base_year_relative_target_is_computed_from_the_base_value()
    {
        // 以2020年为基数下降20%: 2020 = 20 → T = 20 × (1 − 0.20) = 16; 2024 = 18.
        var target = Target("<=", null, 2030, baseYear: 2020, change: -20m);
        var r = ProgressRater.Rate(MaternalMortality, Series((2020, 20), (2024, 18)), target, 2024);
        Assert.Equal(16m, r.TargetValue);
        // CAGR_obs = 0.9^0.25 − 1 = −0.0259963; CAGR_req = 0.8^0.1 − 1 = −0.0220672; R = 1.178048 → on track.
        Near(-0.025996254, r.ObservedCagr);
        Near(-0.022067231, r.RequiredCagr);
        Near(1.1780478, r.Score, 1e-4);
        Assert.Equal(ProgressRating.OnTrack, r.Rating);
        // 2024 = 15.9 ≤ 16 → achieved.
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(MaternalMortality, Series((2020, 20), (2024, 15.9)), target, 2024).Rating);
        // No 2020 figure: the target cannot be computed (the first later year does not stand in for a stated base year).
        var noBase = ProgressRater.Rate(MaternalMortality, Series((2021, 20), (2024, 18)), target, 2024);
        Assert.Equal(ProgressRating.InsufficientData, noBase.Rating);
    }

    [Fact]
    public void Missing_baseline_year_uses_the_first_later_year()
    {
        // No 2020: base = 2021 = 40; 2024 = 46. CAGR_obs = 1.15^(1/3) − 1 = 0.0476896;
        // CAGR_req = 1.75^(1/9) − 1 = 0.0641534; R = 0.743368 → moderate.
        var r = ProgressRater.Rate(Screening, Series((2021, 40), (2024, 46)), Screening70By2030, 2024);
        Assert.Equal(2021, r.BaseYear);
        Near(0.047689553, r.ObservedCagr);
        Near(0.064153377, r.RequiredCagr);
        Near(0.7433678, r.Score, 1e-4);
        Assert.Equal(ProgressRating.ModerateProgress, r.Rating);
    }

    [Fact]
    public void Gaps_and_later_years_are_skipped()
    {
        // 2021 is null, 2022 absent, 2024 absent, 2025 is after the evaluation year and ignored; 2019 is before the baseline.
        var series = Series((2019, 10), (2020, 40), (2023, 44), (2025, 90));
        series[2021] = null;
        var r = ProgressRater.Rate(Screening, series, Screening70By2030, 2024);
        Assert.Equal((2020, 2023), (r.BaseYear, r.CurrentYear));
        // CAGR_obs = 1.1^(1/3) − 1 = 0.0322801; R = 0.0322801/0.0575571 = 0.560837 → limited.
        Near(0.032280115, r.ObservedCagr);
        Near(0.5608369, r.Score, 1e-4);
        Assert.Equal(ProgressRating.LimitedProgress, r.Rating);
        // A configured baseline year moves the base.
        Assert.Equal(2023, ProgressRater.Rate(Screening, Series((2020, 40), (2023, 44), (2024, 45)), Screening70By2030, 2024, baselineYear: 2023).BaseYear);
    }

    [Theory]
    // Directional 'increase' (逐步提高), screening 2020 = 40 → 2024:
    [InlineData(44, 0.024113689, ProgressRating.OnTrack)]            // 1.1^0.25 − 1 = 2.41% ≥ 1.5%
    [InlineData(41, 0.006192246, ProgressRating.ModerateProgress)]   // 1.025^0.25 − 1 = 0.62% ≥ 0.5%
    [InlineData(40.4, 0.002490679, ProgressRating.LimitedProgress)]  // 1.01^0.25 − 1 = 0.25% ≥ 0
    [InlineData(39, -0.006309463, ProgressRating.Deteriorating)]     // 0.975^0.25 − 1 = −0.63% < 0
    public void Increase_goal_uses_the_growth_thresholds(double current, double score, ProgressRating expected)
    {
        var r = ProgressRater.Rate(Screening, Series((2020, 40), (2024, current)), Target("increase", null), 2024);
        Near(score, r.Score);
        Assert.Null(r.RequiredCagr);
        Assert.Equal(RatingMethod.DirectionalGrowth, r.Method);
        Assert.Equal(expected, r.Rating);
    }

    [Fact]
    public void Decrease_goal_and_no_target_use_the_desired_direction()
    {
        // 'decrease', 20 → 18: d·CAGR = −1 × (0.9^0.25 − 1) = 0.0259963 ≥ 1.5% → on track.
        var decrease = ProgressRater.Rate(MaternalMortality, Series((2020, 20), (2024, 18)), Target("decrease", null), 2024);
        Near(0.025996254, decrease.Score);
        Assert.Equal(ProgressRating.OnTrack, decrease.Rating);
        // No target at all: the indicator's direction (lower is better) gives the same.
        var none = ProgressRater.Rate(MaternalMortality, Series((2020, 20), (2024, 18)), (TargetView?)null, 2024);
        Near(0.025996254, none.Score);
        Assert.Equal(ProgressRating.OnTrack, none.Rating);
        // Rising under a 'decrease' goal: −1 × (1.1^0.25 − 1) = −0.0241137 → deteriorating.
        Assert.Equal(ProgressRating.Deteriorating, ProgressRater.Rate(MaternalMortality, Series((2020, 20), (2024, 22)), Target("decrease", null), 2024).Rating);
        // No target and no direction (sex ratio at birth): not rated.
        Assert.Equal(ProgressRating.NotRated, ProgressRater.Rate(SexRatio, Series((2020, 110), (2024, 108)), (TargetView?)null, 2024).Rating);
        // A directional goal needs two years.
        Assert.Equal(ProgressRating.InsufficientData, ProgressRater.Rate(Screening, Series((2024, 50)), Target("increase", null), 2024).Rating);
    }

    [Fact]
    public void Maintain_is_achieved_within_five_percent_of_the_base()
    {
        // Higher is better, base 40: limit 40 − 2 = 38.
        var kept = ProgressRater.Rate(Screening, Series((2020, 40), (2024, 38.5)), Target("maintain", null), 2024);
        Assert.Equal(ProgressRating.Achieved, kept.Rating);
        Assert.Equal(RatingMethod.Maintain, kept.Method);
        Near(-0.0375, kept.Score); // (38.5 − 40)/40
        Assert.Equal(ProgressRating.Deteriorating, ProgressRater.Rate(Screening, Series((2020, 40), (2024, 37.9)), Target("maintain", null), 2024).Rating);
        // Lower is better, base 20: limit 21.
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(MaternalMortality, Series((2020, 20), (2024, 20.9)), Target("maintain", null), 2024).Rating);
        Assert.Equal(ProgressRating.Deteriorating, ProgressRater.Rate(MaternalMortality, Series((2020, 20), (2024, 21.2)), Target("maintain", null), 2024).Rating);
        // No direction, base 110: 104.5–115.5.
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(SexRatio, Series((2020, 110), (2024, 115)), Target("maintain", null), 2024).Rating);
        Assert.Equal(ProgressRating.Deteriorating, ProgressRater.Rate(SexRatio, Series((2020, 110), (2024, 104)), Target("maintain", null), 2024).Rating);
    }

    [Fact]
    public void Qualitative_and_reference_targets_are_not_rated_from_figures()
    {
        Assert.Equal(ProgressRating.NotRated, ProgressRater.Rate(Screening, Series((2020, 40), (2024, 44)), Target("qualitative", null), 2024).Rating);
        Assert.Equal(ProgressRating.NotRated, ProgressRater.Rate(Qualitative, Series(), Target("increase", null), 2024).Rating);
        // A numeric comparator with neither a value nor a base-year change (a target against another indicator).
        Assert.Equal(ProgressRating.NotRated, ProgressRater.Rate(Screening, Series((2020, 40), (2024, 44)), Target(">=", null), 2024).Rating);
    }

    [Fact]
    public void Zero_base_falls_back_to_linear_slopes()
    {
        // MMR 2020 = 0 (a county with no deaths that year), 2024 = 15, target < 12 by 2030; 15 does not meet it.
        var r = ProgressRater.Rate(MaternalMortality, Series((2020, 0), (2024, 15)), Target("<", 12m), 2024);
        Assert.Null(r.ObservedCagr); // (15/0) undefined
        Assert.Equal(RatingMethod.TargetLinear, r.Method);
        Near(3.75, r.ObservedSlope);  // (15 − 0)/4
        Near(1.2, r.RequiredSlope);   // (12 − 0)/10
        Near(-3.125, r.Score);        // −1 × 3.75/1.2
        Assert.Equal(ProgressRating.Deteriorating, r.Rating);

        // A programme starting from 0: screening 2020 = 0, target ≥ 70 by 2030 → required slope 7/yr.
        var fast = ProgressRater.Rate(Screening, Series((2020, 0), (2024, 35)), Screening70By2030, 2024);
        Near(1.25, fast.Score); // (35/4 = 8.75)/7
        Assert.Equal(ProgressRating.OnTrack, fast.Rating);
        var slow = ProgressRater.Rate(Screening, Series((2020, 0), (2024, 20)), Screening70By2030, 2024);
        Near(0.7142857, slow.Score); // (20/4 = 5)/7
        Assert.Equal(ProgressRating.ModerateProgress, slow.Rating);
    }

    [Fact]
    public void Zero_target_falls_back_to_linear_slopes()
    {
        // Target ≤ 0 by 2030 (eliminate); 2020 = 10, 2024 = 6. CAGR_req = (0/10)^… is undefined in the model.
        var r = ProgressRater.Rate(MaternalMortality, Series((2020, 10), (2024, 6)), Target("<=", 0m), 2024);
        Assert.Null(r.RequiredCagr);
        Near(-1.0, r.ObservedSlope); // (6 − 10)/4
        Near(-1.0, r.RequiredSlope); // (0 − 10)/10
        Near(1.0, r.Score);          // −1 × −1 / 1
        Assert.Equal(ProgressRating.OnTrack, r.Rating);
    }

    [Fact]
    public void Target_equal_to_the_base_has_no_ratio()
    {
        // ≥ 40 with base 40: the base met it; 38 has fallen below → deteriorating, no R.
        var fell = ProgressRater.Rate(Screening, Series((2020, 40), (2024, 38)), Target(">=", 40m), 2024);
        Assert.Equal(ProgressRating.Deteriorating, fell.Rating);
        Assert.Null(fell.Score);
        // > 40 with base 40 and current 40: no movement → limited.
        Assert.Equal(ProgressRating.LimitedProgress, ProgressRater.Rate(Screening, Series((2020, 40), (2024, 40)), Target(">", 40m), 2024).Rating);
        // "=" 45 with base 45 and current 50 (outside 42.75–47.25): left the band → deteriorating.
        Assert.Equal(ProgressRating.Deteriorating, ProgressRater.Rate(Screening, Series((2020, 45), (2024, 50)), Target("=", 45m), 2024).Rating);
    }

    [Fact]
    public void Directional_goals_with_zero_figures()
    {
        // 'decrease' at 0 cannot go lower → achieved.
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(MaternalMortality, Series((2020, 0), (2024, 0)), Target("decrease", null), 2024).Rating);
        Assert.Equal(ProgressRating.Achieved, ProgressRater.Rate(MaternalMortality, Series((2020, 25), (2024, 0)), Target("decrease", null), 2024).Rating);
        // 'increase' 0 → 5 over 4 years: (5 − 0)/4/max(0, 5) = 0.25/yr → on track.
        var up = ProgressRater.Rate(Homes, Series((2020, 0), (2024, 5)), Target("increase", null), 2024);
        Assert.Equal(RatingMethod.DirectionalLinear, up.Method);
        Near(0.25, up.Score);
        Assert.Equal(ProgressRating.OnTrack, up.Rating);
        // 'increase' 0 → 0: no change → limited.
        Assert.Equal(ProgressRating.LimitedProgress, ProgressRater.Rate(Homes, Series((2020, 0), (2024, 0)), Target("increase", null), 2024).Rating);
        // 'decrease' 0 → 2: −1 × 2/4/2 = −0.25 → deteriorating.
        Assert.Equal(ProgressRating.Deteriorating, ProgressRater.Rate(MaternalMortality, Series((2020, 0), (2024, 2)), Target("decrease", null), 2024).Rating);
    }

    [Fact]
    public void Thresholds_are_inclusive_at_their_boundaries()
    {
        // Linear slopes give exact boundaries: base 0, target ≥ 100 by 2030 → required 10/yr.
        // 2024 = 38 → 9.5/yr → R = 0.95 exactly → on track; 24 → 6/yr → R = 0.60 → moderate; 0 → R = 0 → limited.
        Assert.Equal(ProgressRating.OnTrack, ProgressRater.Rate(Screening, Series((2020, 0), (2024, 38)), Target(">=", 100m), 2024).Rating);
        Assert.Equal(ProgressRating.ModerateProgress, ProgressRater.Rate(Screening, Series((2020, 0), (2024, 24)), Target(">=", 100m), 2024).Rating);
        Assert.Equal(ProgressRating.LimitedProgress, ProgressRater.Rate(Screening, Series((2020, 0), (2024, 0)), Target(">=", 100m), 2024).Rating);
    }
}
