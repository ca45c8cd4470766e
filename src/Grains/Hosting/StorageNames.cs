namespace OrleansPlans;

/// <summary>Storage and state names. State names are unique per grain class because the ADO.NET storage key
/// (ServiceId, state name, grain key) does not include the grain type.</summary>
public static class StorageNames
{
    public const string Plans = "plans";

    public const string CountyState = "county-v1";
    public const string IndicatorSeriesState = "indicator-series-v1";
    public const string DepartmentState = "department-reports-v1";
}

/// <summary>Tuning of the roll-up grains.</summary>
public sealed class RollupOptions
{
    /// <summary>How often a roll-up grain compares its children's versions and re-reads changed ones.</summary>
    public TimeSpan ReconcilePeriod { get; set; } = TimeSpan.FromSeconds(10);
}
