namespace OrleansPlans;

/// <summary>Storage and state names. State names are unique per grain class because the ADO.NET storage key
/// (ServiceId, state name, grain key) does not include the grain type.</summary>
public static class StorageNames
{
    public const string Plans = "plans";

    public const string CountyState = "county-v1";
    public const string CountyWarningRegister = "county-warnings-v1";
    /// <summary>
    /// Where an indicator's figures were stored before the county held them (one row per county and indicator); a
    /// county still in that layout moves them to <see cref="CountyFigures"/> rows once, on activation.
    /// </summary>
    public const string IndicatorSeriesState = "indicator-series-v1";

    /// <summary>The figures of one county and one year (state of the county grain, one row per year).</summary>
    public static string CountyFigures(int year) => "county-figures-v1-" + year.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public const string DepartmentState = "department-reports-v1";
}

/// <summary>Tuning of the roll-up grains.</summary>
public sealed class RollupOptions
{
    /// <summary>How often a roll-up grain compares its children's versions and re-reads changed ones.</summary>
    public TimeSpan ReconcilePeriod { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Early-warning and reporting settings (section <c>OrleansPlans:Monitoring</c>).</summary>
public sealed class MonitoringOptions
{
    /// <summary>The reporting deadline: month and day of the year after the reporting year, in China Standard Time.</summary>
    public int DeadlineMonth { get; set; } = 3;

    public int DeadlineDay { get; set; } = 31;

    /// <summary>A year-over-year change whose |modified z-score| exceeds this is a fluctuation.</summary>
    public double ModifiedZThreshold { get; set; } = 3.5;

    /// <summary>A year-over-year change of more than this many percent is a fluctuation.</summary>
    public double PercentChangeThreshold { get; set; } = 30.0;

    /// <summary>A z-score outlier counts only when the change is at least this many percent (materiality).</summary>
    public double MinPercentChangeForZScore { get; set; } = 5.0;

    /// <summary>How often each county re-checks its missing reports against the deadline (a reminder; at least a minute).</summary>
    public TimeSpan DeadlineCheckPeriod { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long after a push a county evaluates the warnings of the indicators it touched (reads do it at once).</summary>
    public TimeSpan WarningDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Cleared warnings kept per county (oldest dropped first).</summary>
    public int ClearedWarningsKept { get; set; } = 2000;

    public Domain.Evaluation.WarningOptions ToWarningOptions() => new()
    {
        ModifiedZThreshold = ModifiedZThreshold,
        PercentChangeThreshold = PercentChangeThreshold,
        MinPercentChangeForZScore = MinPercentChangeForZScore,
        Deadline = new Domain.Evaluation.ReportingDeadline(DeadlineMonth, DeadlineDay),
    };
}
