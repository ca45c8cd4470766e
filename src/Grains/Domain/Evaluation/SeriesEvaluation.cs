using System.Text.Json;
using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>Rates and projects an org unit's total series in an evaluation year (default: its latest year with data).</summary>
public static class SeriesEvaluation
{
    /// <param name="parts">Additive parts per year (Σ numerator, Σ denominator) of the total series.</param>
    /// <param name="evaluationYear">Rate as of this year: only figures up to it count. Null: the latest year with data.</param>
    public static EvaluationView? Evaluate(IndicatorDefinition indicator, IReadOnlyDictionary<int, (decimal Numerator, decimal? Denominator)> parts,
        IReadOnlyList<TargetView> targets, int baselineYear, int? evaluationYear = null)
    {
        if (evaluationYear is { } cutoff)
        {
            parts = parts.Where(p => p.Key <= cutoff).ToDictionary(p => p.Key, p => p.Value);
        }
        if (parts.Count == 0)
        {
            return null;
        }
        var year = evaluationYear ?? parts.Keys.Max();
        var values = parts.ToDictionary(p => p.Key, p => Aggregation.ValueOf(indicator, p.Value.Numerator, p.Value.Denominator));
        // Rates and percentages rate on counts, so small numbers (0 maternal deaths) are pooled over three years.
        var rating = indicator.Kind is IndicatorKind.Rate or IndicatorKind.Percentage
            ? ProgressRater.RateCounts(indicator, parts.Where(p => p.Value.Denominator is not null)
                .ToDictionary(p => p.Key, p => new YearCounts(p.Value.Numerator, p.Value.Denominator!.Value)), targets, year, baselineYear)
            : ProgressRater.Rate(indicator, values, targets, year, baselineYear);
        var projection = ProgressProjection.Project(values, targets, year, baselineYear);
        return new EvaluationView(year, Camel(rating.Rating), Camel(rating.Method), rating.BaseYear, rating.BaseValue, rating.CurrentValue,
            rating.TargetValue, rating.TargetYear, rating.Score, rating.Pooled, rating.Reason,
            Camel(projection.Class), projection.ProjectedValue, projection.ProjectedToMiss);
    }

    private static string Camel<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
