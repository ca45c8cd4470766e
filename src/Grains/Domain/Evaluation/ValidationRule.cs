namespace OrleansPlans.Domain.Evaluation;

/// <summary>Which part of a reported figure a validation rule reads.</summary>
public enum FigurePart
{
    /// <summary>The indicator's value (reported, or computed from numerator and denominator).</summary>
    Value,
    Numerator,
    Denominator,
}

/// <summary>One side of a validation rule: an indicator's figure part, at the same org unit, year and disaggregation as the other side.</summary>
public sealed record RuleOperand(string Indicator, FigurePart Part = FigurePart.Value);

/// <summary>
/// A DHIS2-style validation rule: left side, operator, right side (e.g. screened ≤ eligible, or hospital deliveries ≤ live births).
/// Sides with no figure are skipped (missing data is the completeness check's business, not a rule violation).
/// </summary>
public sealed record ValidationRule(string Id, RuleOperand Left, string Operator, RuleOperand Right, string? Description = null)
{
    public static readonly IReadOnlyList<string> Operators = ["<", "<=", ">", ">=", "==", "!="];

    // Checked on construction so a misspelt rule fails when the rules are loaded, not silently at every detection run.
    public string Operator { get; } = Operators.Contains(Operator) ? Operator : throw new ArgumentException($"unknown operator '{Operator}'", nameof(Operator));

    /// <summary>The rule every indicator whose numerator is part of its denominator obeys: numerator ≤ denominator.</summary>
    public static ValidationRule NumeratorWithinDenominator(IndicatorDefinition indicator) =>
        new($"{indicator.Code}:numerator<=denominator", new(indicator.Code, FigurePart.Numerator), "<=", new(indicator.Code, FigurePart.Denominator),
            $"{indicator.NumeratorDefinition ?? "numerator"} ≤ {indicator.DenominatorDefinition ?? "denominator"}");

    public bool Holds(decimal left, decimal right) => Operator switch
    {
        "<" => left < right,
        "<=" => left <= right,
        ">" => left > right,
        ">=" => left >= right,
        "==" => left == right,
        _ => left != right,
    };
}
