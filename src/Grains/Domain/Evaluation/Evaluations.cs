using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>Rates an org unit's indicator as of a year from its series view (the same at county, city and province).</summary>
public static class Evaluations
{
    public static IndicatorEvaluation Of(IndicatorDefinition indicator, IndicatorSeriesView view, int year, int baselineYear)
    {
        var total = view.Series.FirstOrDefault(s => s.Disaggregation == Disaggregation.Total);
        var points = total?.Points.Where(p => p.Year <= year).OrderBy(p => p.Year).ToArray() ?? [];
        var targets = total?.Targets ?? [];
        var parts = points
            .Where(p => p.Value is not null)
            .ToDictionary(p => p.Year, p => indicator.Kind == IndicatorKind.Count
                ? (p.Value!.Value, (decimal?)null)
                : (p.Numerator ?? p.Value!.Value, p.Denominator));
        var evaluation = parts.Count == 0 ? null : SeriesEvaluation.Evaluate(indicator, parts, targets, baselineYear, year);
        var point = points.LastOrDefault(p => p.Value is not null);
        return new IndicatorEvaluation(indicator.Code, year, point?.Value, TargetEvaluation.ApplicableTarget(targets, year),
            point?.Status ?? TargetStatus.NoData, evaluation, points, point?.Year);
    }
}
