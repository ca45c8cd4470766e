using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>A qualitative main goal rated from the lead departments' progress reports on its area's measures.</summary>
public sealed record QualitativeGoalRating(
    string Plan, string Area, int Goal, string Text, string Rating, int Measures, int Reported, int Completed, int OnTrack, int Delayed, int NotStarted, string Reason);

/// <summary>
/// Rates the goals that no figure can rate ("健全…机制", "逐步完善…") from the measure reports of their area.
/// </summary>
/// <remarks>
/// The plans do not tie a goal to particular measures, but they group both by area: an area's measures are how its
/// goals are pursued. Rule, for a year: no report on any measure of the area → insufficientData; fewer than half of
/// the area's measures reported → insufficientData (too little to judge); every measure reported and completed →
/// achieved; otherwise by the share of reported measures that are delayed or not started: none → onTrack,
/// up to one third → moderateProgress, more → limitedProgress. Deteriorating is kept for figures: a measure report
/// says where work stands, not that the situation worsened.
/// </remarks>
public static class QualitativeGoals
{
    /// <summary>A goal is qualitative when none of its targets names a numeric indicator.</summary>
    public static bool IsQualitative(PlanGoal goal, IReadOnlyDictionary<string, IndicatorDefinition> indicators) =>
        !goal.Targets.Any(t => t.Indicator is { } code && indicators.TryGetValue(code, out var i) && i.IsNumeric);

    public static IEnumerable<QualitativeGoalRating> Rate(Plan plan, IReadOnlyDictionary<string, IndicatorDefinition> indicators, IEnumerable<MeasureReport> reports, int year)
    {
        var planCode = PlanAreas.PlanCode(plan.Kind);
        var latest = reports.Where(r => r.Plan == planCode && r.Year == year)
            .GroupBy(r => (r.Area, r.Measure))
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.ReportedAt).Last());
        foreach (var area in plan.Areas)
        {
            var measures = area.Measures.Select(m => m.No).ToArray();
            var got = measures.Select(m => latest.GetValueOrDefault((area.Area, m))).OfType<MeasureReport>().ToArray();
            int Count(string status) => got.Count(r => r.Status == status);
            var (completed, onTrack, delayed, notStarted) = (Count("completed"), Count("onTrack"), Count("delayed"), Count("notStarted"));
            var (rating, reason) = Judge(measures.Length, got.Length, completed, delayed + notStarted);
            foreach (var goal in area.Goals.Where(g => IsQualitative(g, indicators)))
            {
                yield return new QualitativeGoalRating(planCode, area.Area, goal.No, goal.Text, rating, measures.Length, got.Length, completed, onTrack, delayed, notStarted, reason);
            }
        }
    }

    public static (string Rating, string Reason) Judge(int measures, int reported, int completed, int behind)
    {
        if (reported == 0)
        {
            return ("insufficientData", "no measure of the area has a progress report for the year");
        }
        if (reported * 2 < measures)
        {
            return ("insufficientData", $"only {reported} of {measures} measures reported");
        }
        if (reported == measures && completed == measures)
        {
            return ("achieved", "every measure of the area is completed");
        }
        if (behind == 0)
        {
            return ("onTrack", $"{reported} of {measures} measures reported, none delayed or not started");
        }
        return behind * 3 <= reported
            ? ("moderateProgress", $"{behind} of {reported} reported measures delayed or not started (at most a third)")
            : ("limitedProgress", $"{behind} of {reported} reported measures delayed or not started (more than a third)");
    }
}
