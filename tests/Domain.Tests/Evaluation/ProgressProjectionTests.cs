using OrleansPlans.Contracts;
using OrleansPlans.Domain.Evaluation;
using static OrleansPlans.Domain.Tests.Evaluation.EvaluationFixtures;

namespace OrleansPlans.Domain.Tests.Evaluation;

/// <summary>
/// UN Statistics Division projection: projected = v_current·(1 + CAGR)^(targetYear − currentYear);
/// ratio = (projected − base)/(target − base). Doubles compared within 1e-6 (projections within 1e-4).
/// </summary>
public class ProgressProjectionTests
{
    [Fact]
    public void Acceleration_needed_and_projected_to_miss()
    {
        // Screening 2020 = 40, 2024 = 46, target ≥ 70 by 2030.
        var p = ProgressProjection.Project(Series((2020, 40), (2024, 46)), Target(">=", 70m), 2024);
        Near(0.035558076, p.ObservedCagr);          // 1.15^0.25 − 1
        Near(56.72893, p.ProjectedValue, 1e-4);     // 46 × 1.15^(6/4) = 46 × 1.2332376
        Near(0.5576310, p.Ratio);                   // (56.72893 − 40)/(70 − 40)
        Assert.Equal(ProjectionClass.AccelerationNeeded, p.Class);
        Assert.True(p.ProjectedToMiss);
        Assert.Equal((2020, 2024, 70m, 2030), (p.BaseYear, p.CurrentYear, p.TargetValue, p.TargetYear));
    }

    [Fact]
    public void Lower_is_better_on_track()
    {
        // MMR 20 → 16 (2020 → 2024), target < 12 by 2030: 16 × 0.8^1.5 = 16 × 0.7155418 = 11.44867 < 12.
        var p = ProgressProjection.Project(Series((2020, 20), (2024, 16)), Target("<", 12m), 2024);
        Near(11.448668, p.ProjectedValue, 1e-4);
        Near(1.0689165, p.Ratio); // (11.44867 − 20)/(12 − 20)
        Assert.Equal(ProjectionClass.OnTrack, p.Class);
        Assert.False(p.ProjectedToMiss);
    }

    [Fact]
    public void Stagnation_and_regression()
    {
        // 40 → 40.4: 40.4 × 1.01^1.5 = 41.00751; ratio = 1.00751/30 = 0.0335837 < 0.10.
        var flat = ProgressProjection.Project(Series((2020, 40), (2024, 40.4)), Target(">=", 70m), 2024);
        Near(41.007512, flat.ProjectedValue, 1e-4);
        Near(0.0335837, flat.Ratio);
        Assert.Equal(ProjectionClass.StagnationOrRegression, flat.Class);
        // 40 → 38: 38 × 0.95^1.5 = 35.18593; ratio = −4.81407/30 = −0.160469.
        var down = ProgressProjection.Project(Series((2020, 40), (2024, 38)), Target(">=", 70m), 2024);
        Near(35.185928, down.ProjectedValue, 1e-4);
        Near(-0.1604691, down.Ratio);
        Assert.Equal(ProjectionClass.StagnationOrRegression, down.Class);
        Assert.True(down.ProjectedToMiss);
    }

    [Fact]
    public void Target_equal_to_the_base_has_no_ratio()
    {
        // ≥ 40 with base 40 (division by zero): class follows whether the projection meets the target.
        var falling = ProgressProjection.Project(Series((2020, 40), (2024, 38)), Target(">=", 40m), 2024);
        Assert.Null(falling.Ratio);
        Near(35.185928, falling.ProjectedValue, 1e-4); // 38 × 0.95^1.5
        Assert.Equal(ProjectionClass.StagnationOrRegression, falling.Class);
        Assert.True(falling.ProjectedToMiss);
        var rising = ProgressProjection.Project(Series((2020, 40), (2024, 42)), Target(">=", 40m), 2024);
        Assert.Null(rising.Ratio);
        Near(45.189053, rising.ProjectedValue, 1e-4); // 42 × 1.05^1.5
        Assert.Equal(ProjectionClass.OnTrack, rising.Class);
        Assert.False(rising.ProjectedToMiss);
    }

    [Fact]
    public void A_base_that_already_met_the_target_is_classed_by_the_projection()
    {
        // MMR base 8 already < 12, rising to 10: 10 × 1.25^1.5 = 13.97542 ≥ 12 → projected to lose the target.
        // (The raw ratio (13.975 − 8)/(12 − 8) = 1.49 would absurdly read "on track".)
        var p = ProgressProjection.Project(Series((2020, 8), (2024, 10)), Target("<", 12m), 2024);
        Near(13.975425, p.ProjectedValue, 1e-4);
        Assert.Null(p.Ratio);
        Assert.Equal(ProjectionClass.StagnationOrRegression, p.Class);
        Assert.True(p.ProjectedToMiss);
    }

    [Fact]
    public void Zero_figures_project_linearly_and_stop_at_zero()
    {
        // 0 → 35 (2020 → 2024): slope 8.75/yr; 35 + 8.75 × 6 = 87.5 ≥ 70; ratio = 87.5/70 = 1.25.
        var p = ProgressProjection.Project(Series((2020, 0), (2024, 35)), Target(">=", 70m), 2024);
        Assert.Null(p.ObservedCagr);
        Near(87.5, p.ProjectedValue);
        Near(1.25, p.Ratio);
        Assert.Equal(ProjectionClass.OnTrack, p.Class);
        // 8 → 0: slope −2/yr; 0 − 2 × 6 = −12 → stops at 0, which meets ≤ 0; ratio = (0 − 8)/(0 − 8) = 1.
        var toZero = ProgressProjection.Project(Series((2020, 8), (2024, 0)), Target("<=", 0m), 2024);
        Near(0.0, toZero.ProjectedValue);
        Near(1.0, toZero.Ratio);
        Assert.False(toZero.ProjectedToMiss);
    }

    [Fact]
    public void After_the_target_year_the_current_figure_is_the_projection()
    {
        // Plan ending 2025 (≥ 50), evaluated 2026 with 2026 = 48: no years left; ratio = (48 − 40)/(50 − 40) = 0.8.
        var p = ProgressProjection.Project(Series((2020, 40), (2026, 48)), [Target(">=", 50m, 2025)], 2026);
        Near(48.0, p.ProjectedValue);
        Near(0.8, p.Ratio);
        Assert.Equal(ProjectionClass.AccelerationNeeded, p.Class);
        Assert.True(p.ProjectedToMiss);
    }

    [Fact]
    public void Two_year_targets_project_to_the_governing_one()
    {
        TargetView[] targets = [Target(">=", 50m, 2025), Target(">=", 70m, 2030)];
        // Evaluated 2024 (40 → 48): CAGR = 1.2^0.25 − 1 = 0.0466351; to 2025: 48 × 1.0466351 = 50.23849 ≥ 50.
        var p2024 = ProgressProjection.Project(Series((2020, 40), (2024, 48)), targets, 2024);
        Assert.Equal(2025, p2024.TargetYear);
        Near(50.238487, p2024.ProjectedValue, 1e-4);
        Near(1.0238487, p2024.Ratio); // (50.23849 − 40)/(50 − 40)
        Assert.False(p2024.ProjectedToMiss);
        // Evaluated 2026 (the 2030 target governs).
        Assert.Equal(2030, ProgressProjection.Project(Series((2020, 40), (2026, 52)), targets, 2026).TargetYear);
    }

    [Fact]
    public void Approximate_targets_accept_five_percent_in_the_projection()
    {
        // 46 → 56.72893 by 2030 (as above) against ≥ 58 左右: 56.729 ≥ 58 − 2.9 = 55.1 → not a miss.
        var p = ProgressProjection.Project(Series((2020, 40), (2024, 46)), Target(">=", 58m, approximate: true), 2024);
        Assert.False(p.ProjectedToMiss);
    }

    [Fact]
    public void Base_relative_targets_and_missing_data()
    {
        // 以2020年为基数下降20%: 20 → T = 16; 2024 = 18: 18 × 0.9^1.5 = 15.36867 ≤ 16; ratio = (15.36867 − 20)/(16 − 20) = 1.157833.
        var p = ProgressProjection.Project(Series((2020, 20), (2024, 18)), Target("<=", null, baseYear: 2020, change: -20m), 2024);
        Assert.Equal(16m, p.TargetValue);
        Near(15.368669, p.ProjectedValue, 1e-4);
        Near(1.1578326, p.Ratio);
        Assert.Equal(ProjectionClass.OnTrack, p.Class);

        Assert.Equal(ProjectionClass.InsufficientData, ProgressProjection.Project(Series((2024, 18)), Target("<", 12m), 2024).Class);
        Assert.Equal(ProjectionClass.InsufficientData, ProgressProjection.Project(Series((2021, 20), (2024, 18)), Target("<=", null, baseYear: 2020, change: -20m), 2024).Class);
        Assert.Equal(ProjectionClass.NotApplicable, ProgressProjection.Project(Series((2020, 40), (2024, 44)), Target("increase", null), 2024).Class);
        Assert.Equal(ProjectionClass.NotApplicable, ProgressProjection.Project(Series((2020, 40), (2024, 44)), (TargetView?)null, 2024).Class);
        Assert.False(ProgressProjection.Project(Series((2024, 18)), Target("<", 12m), 2024).ProjectedToMiss);
    }
}
