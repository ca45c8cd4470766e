namespace OrleansPlans.Domain.Loading;

// The shapes of the YAML files in data/ (docs/data-format.md). Everything is nullable so that a missing
// field becomes a precise validation error rather than a parser exception.

internal sealed class IndicatorsFile
{
    public List<IndicatorEntry>? Indicators { get; set; }
}

internal sealed class IndicatorEntry
{
    public string? Code { get; set; }
    public string? NameZh { get; set; }
    public string? NameEn { get; set; }
    public string? Plan { get; set; }
    public string? Area { get; set; }
    public string? Kind { get; set; }
    public decimal? Factor { get; set; }
    public string? Unit { get; set; }
    public string? Numerator { get; set; }
    public string? Denominator { get; set; }
    public string? Direction { get; set; }
    public bool? NumeratorWithinDenominator { get; set; }
    public List<string>? Disaggregations { get; set; }
    public List<string>? AgeGroups { get; set; }
    public string? Department { get; set; }
}

internal sealed class DepartmentsFile
{
    public List<DepartmentEntry>? Departments { get; set; }
}

internal sealed class DepartmentEntry
{
    public string? Code { get; set; }
    public string? NameZh { get; set; }
    public string? NameEn { get; set; }
    public List<string>? Aliases { get; set; }
}

internal sealed class NationalTargetsFile
{
    public string? Source { get; set; }
    public List<TargetEntry>? Targets { get; set; }
}

internal sealed class PlanFile
{
    public string? County { get; set; }
    public string? Plan { get; set; }
    public string? Title { get; set; }
    public PeriodEntry? Period { get; set; }
    public string? Issued { get; set; }
    public string? DocumentNumber { get; set; }
    public string? Source { get; set; }
    public List<string>? Notes { get; set; }
    public Dictionary<string, string>? Departments { get; set; }
    public List<AreaEntry>? Areas { get; set; }
}

internal sealed class PeriodEntry
{
    public int? Start { get; set; }
    public int? End { get; set; }
}

internal sealed class AreaEntry
{
    public string? Area { get; set; }
    public string? NameZh { get; set; }
    public List<GoalEntry>? Goals { get; set; }
    public List<MeasureEntry>? Measures { get; set; }
}

internal sealed class GoalEntry
{
    public int? No { get; set; }
    public string? Text { get; set; }
    public List<TargetEntry>? Targets { get; set; }
}

internal sealed class MeasureEntry
{
    public int? No { get; set; }
    public string? Title { get; set; }
    public List<string>? Lead { get; set; }
    public List<string>? Cooperating { get; set; }
    public List<TargetEntry>? Targets { get; set; }
}

internal sealed class TargetEntry
{
    public string? Indicator { get; set; }
    public string? Subject { get; set; }
    public string? Comparator { get; set; }
    public decimal? Value { get; set; }
    public string? Unit { get; set; }
    public int? Year { get; set; }
    public bool? Approximate { get; set; }
    public int? BaseYear { get; set; }
    public decimal? ChangePercent { get; set; }
    public string? ReferenceIndicator { get; set; }
    public Dictionary<string, string>? Disaggregation { get; set; }
    public string? Text { get; set; }
    public string? Source { get; set; }
}
