using OrleansPlans.Contracts;

namespace OrleansPlans.Domain;

/// <summary>
/// How figures combine. Everything travels as additive parts (numerator, denominator), so a parent's
/// rate is Σ numerators / Σ denominators of its children — never an average of their rates.
/// </summary>
public static class Aggregation
{
    /// <summary>Decimal places kept in a derived value (a rate, percentage or mean).</summary>
    public const int ValueDecimals = 4;

    /// <summary>The additive parts one reported figure contributes.</summary>
    public static (decimal Numerator, decimal? Denominator) Parts(IndicatorDefinition indicator, decimal? numerator, decimal? denominator, decimal? value) =>
        indicator.Kind switch
        {
            IndicatorKind.Rate or IndicatorKind.Percentage => (numerator ?? 0m, denominator ?? 0m),
            IndicatorKind.Mean => ((value ?? 0m) * (denominator ?? 0m), denominator ?? 0m),
            IndicatorKind.Count => (value ?? 0m, null),
            _ => (0m, null),
        };

    /// <summary>The indicator's value from additive parts; null when the denominator is zero.</summary>
    public static decimal? ValueOf(IndicatorDefinition indicator, decimal numerator, decimal? denominator)
    {
        switch (indicator.Kind)
        {
            case IndicatorKind.Count:
                return numerator;
            case IndicatorKind.Rate:
                return denominator is > 0m ? Math.Round(numerator * indicator.Factor / denominator.Value, ValueDecimals, MidpointRounding.AwayFromZero) : null;
            case IndicatorKind.Percentage:
                return denominator is > 0m ? Math.Round(numerator * 100m / denominator.Value, ValueDecimals, MidpointRounding.AwayFromZero) : null;
            case IndicatorKind.Mean:
                return denominator is > 0m ? Math.Round(numerator / denominator.Value, ValueDecimals, MidpointRounding.AwayFromZero) : null;
            default:
                return null;
        }
    }

    /// <summary>A leaf's cell for one reported figure.</summary>
    public static RollupCell LeafCell(IndicatorDefinition indicator, CellKey key, decimal? numerator, decimal? denominator, decimal? value, TargetStatus status)
    {
        var (num, den) = Parts(indicator, numerator, denominator, value);
        return new RollupCell(key, num, den, 1, StatusCounts.Of(status));
    }

    /// <summary>Adds cells of the same key (children of one parent).</summary>
    public static RollupCell Sum(CellKey key, IEnumerable<RollupCell> cells)
    {
        decimal num = 0m;
        decimal? den = null;
        var reporting = 0;
        var statuses = StatusCounts.Zero;
        foreach (var c in cells)
        {
            num += c.Numerator;
            if (c.Denominator is { } d)
            {
                den = (den ?? 0m) + d;
            }
            reporting += c.ReportingUnits;
            statuses = statuses.Add(c.Statuses);
        }
        return new RollupCell(key, num, den, reporting, statuses);
    }

    /// <summary>True when two cells carry the same figures and counts.</summary>
    public static bool SameFigures(RollupCell? a, RollupCell? b) =>
        a is null || b is null
            ? a is null && b is null
            : a.Key == b.Key && a.Numerator == b.Numerator && a.Denominator == b.Denominator
              && a.ReportingUnits == b.ReportingUnits && a.Statuses == b.Statuses;
}
