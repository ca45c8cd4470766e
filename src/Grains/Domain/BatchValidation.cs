using System.Globalization;
using OrleansPlans.Contracts;

namespace OrleansPlans.Domain;

/// <summary>
/// Checks every row of a county's batch against the catalogue and the county's plans. A batch is applied
/// only when no row has an error, so the answer lists every bad row, not only the first.
/// </summary>
public static class BatchValidation
{
    public const int MaxRows = 10_000;

    /// <summary>Largest figure accepted; well above any county statistic, well inside decimal range.</summary>
    public const decimal MaxMagnitude = 1_000_000_000_000m;

    public static List<RowError> Validate(PlanData data, string county, IReadOnlyList<DataValueRow> rows, int currentYear)
    {
        var errors = new List<RowError>();
        if (data.ReportingUnit(county) is null)
        {
            errors.Add(new RowError(-1, "county", $"'{county}' is not a county-level unit"));
            return errors;
        }
        if (rows.Count == 0)
        {
            errors.Add(new RowError(-1, "values", "the batch has no values"));
        }
        if (rows.Count > MaxRows)
        {
            errors.Add(new RowError(-1, "values", $"the batch has {rows.Count} values; at most {MaxRows} are accepted per batch"));
            return errors;
        }
        var seen = new Dictionary<(string, int, string), int>();
        for (var i = 0; i < rows.Count; i++)
        {
            ValidateRow(data, county, rows[i], i, currentYear, errors, seen);
        }
        return errors;
    }

    private static void ValidateRow(PlanData data, string county, DataValueRow row, int i, int currentYear, List<RowError> errors,
        Dictionary<(string, int, string), int> seen)
    {
        void Error(string field, string message) => errors.Add(new RowError(i, field, message));

        if (string.IsNullOrWhiteSpace(row.Indicator))
        {
            Error("indicator", "required");
            return;
        }
        if (!data.Indicators.TryGetValue(row.Indicator, out var indicator))
        {
            Error("indicator", $"unknown indicator '{row.Indicator}'");
            return;
        }
        if (!indicator.IsNumeric)
        {
            Error("indicator", $"'{row.Indicator}' is qualitative; it is evaluated from measure progress, not figures");
            return;
        }
        var period = data.ReportingPeriod(county, indicator.Plan);
        if (row.Year < period.Start || row.Year > period.End)
        {
            Error("year", $"{row.Year} is outside the reporting period {period.Start}–{period.End} of the county's {PlanAreas.PlanCode(indicator.Plan)} plan");
        }
        else if (row.Year > currentYear)
        {
            Error("year", $"{row.Year} is in the future");
        }

        var parts = Disaggregation.Parse(row.Disaggregation);
        foreach (var (category, option) in parts)
        {
            if (!indicator.Disaggregations.Contains(category))
            {
                Error($"disaggregation.{category}", $"'{row.Indicator}' is not disaggregated by {category} (allowed: {Allowed(indicator)})");
            }
            else if (!indicator.OptionsOf(category).Contains(option))
            {
                Error($"disaggregation.{category}", $"'{option}' is not one of {string.Join(", ", indicator.OptionsOf(category))}");
            }
        }

        if (row.Department is not null && data.ResolveDepartment(row.Department) is null)
        {
            Error("department", $"unknown department '{row.Department}'");
        }

        switch (indicator.Kind)
        {
            case IndicatorKind.Rate or IndicatorKind.Percentage:
                Require(row.Numerator, "numerator");
                Require(row.Denominator, "denominator");
                Forbid(row.Value, "value", "give numerator and denominator; the rate is computed from them");
                if (row.Numerator is { } n && row.Denominator is { } d)
                {
                    if (indicator.NumeratorWithinDenominator && n > d)
                    {
                        Error("numerator", $"{Format(n)} exceeds the denominator {Format(d)}");
                    }
                    if (d == 0 && n > 0)
                    {
                        Error("denominator", "is 0 while the numerator is not");
                    }
                }
                break;
            case IndicatorKind.Mean:
                Require(row.Value, "value");
                Require(row.Denominator, "denominator");
                Forbid(row.Numerator, "numerator", "a mean is reported as value with its weight as denominator");
                if (row.Denominator == 0)
                {
                    Error("denominator", "the weight of a mean must be positive");
                }
                break;
            case IndicatorKind.Count:
                Require(row.Value, "value");
                Forbid(row.Numerator, "numerator", "a count is reported as value");
                Forbid(row.Denominator, "denominator", "a count is reported as value");
                if (row.Value is { } v && v != decimal.Truncate(v))
                {
                    Error("value", "a count is a whole number");
                }
                break;
        }

        var key = (row.Indicator, row.Year, row.Disaggregation);
        if (seen.TryGetValue(key, out var first))
        {
            Error("indicator", $"duplicates row {first} (same indicator, year and disaggregation)");
        }
        else
        {
            seen[key] = i;
        }

        void Require(decimal? value, string field)
        {
            if (value is null)
            {
                Error(field, $"required for a {indicator.Kind.ToString().ToLowerInvariant()} indicator");
            }
            else if (value < 0)
            {
                Error(field, $"{Format(value.Value)} is negative");
            }
            else if (value > MaxMagnitude)
            {
                Error(field, $"{Format(value.Value)} is larger than {Format(MaxMagnitude)}");
            }
        }

        void Forbid(decimal? value, string field, string reason)
        {
            if (value is not null)
            {
                Error(field, $"not used for '{row.Indicator}': {reason}");
            }
        }
    }

    private static string Allowed(IndicatorDefinition indicator) =>
        indicator.Disaggregations.Count == 0 ? "none" : string.Join(", ", indicator.Disaggregations);

    private static string Format(decimal d) => d.ToString(CultureInfo.InvariantCulture);
}
