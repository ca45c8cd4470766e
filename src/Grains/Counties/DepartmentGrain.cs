using OrleansPlans.Placement;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Counties;

[GenerateSerializer, Alias("plans.DepartmentState")]
public sealed class DepartmentState
{
    /// <summary>
    /// Until session 8: what was reported, keyed by "indicator|year". The county's figures carry their department and
    /// reporting times now; a county moving to year rows reads these once for the first-report times.
    /// </summary>
    [Id(0)] public Dictionary<string, DepartmentReport> Reports { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Progress reports on the plans' measures this department leads, keyed by "plan|area|measure|year".</summary>
    [Id(1)] public Dictionary<string, MeasureReport> Measures { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One department of one county: the indicators it is responsible for, what it has reported each year (from the
/// county's figures, which record who reported each and when) and its progress reports on the plans' measures.
/// </summary>
// Placed with its county (a move of the county leaves it where it is until it is collected, minutes later).
[CityPartitionPlacement]
public sealed class DepartmentGrain(
    [PersistentState(StorageNames.DepartmentState, StorageNames.Plans)] IPersistentState<DepartmentState> state,
    PlanData data) : Grain, IDepartmentGrain
{
    public async Task RecordMeasureAsync(MeasureReport report)
    {
        // The latest report for a measure and year stands; earlier ones are in the audit trail of the gateway.
        state.State.Measures[report.Key] = report;
        await state.WriteStateAsync();
    }

    public async Task<DepartmentView> GetAsync()
    {
        var key = this.GetPrimaryKeyString();
        var department = GrainKeys.LeafOf(key);
        var reported = await GrainFactory.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(GrainKeys.CodeOf(key))).GetDepartmentReportsAsync(department);
        var responsible = data.IndicatorList.Where(i => i.Department == department).Select(i => i.Code)
            .Union(reported.Select(r => r.Indicator), StringComparer.Ordinal)
            .ToArray();
        var measures = state.State.Measures.Values.OrderBy(m => m.Year).ThenBy(m => m.Plan, StringComparer.Ordinal).ThenBy(m => m.Area, StringComparer.Ordinal)
            .ThenBy(m => m.Measure).ToArray();
        return new DepartmentView(GrainKeys.CodeOf(key), department, responsible, reported, measures);
    }
}
