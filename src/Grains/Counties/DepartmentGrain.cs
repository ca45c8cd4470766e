using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Counties;

[GenerateSerializer, Alias("plans.DepartmentState")]
public sealed class DepartmentState
{
    /// <summary>What was reported, keyed by "indicator|year".</summary>
    [Id(0)] public Dictionary<string, DepartmentReport> Reports { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Progress reports on the plans' measures this department leads, keyed by "plan|area|measure|year".</summary>
    [Id(1)] public Dictionary<string, MeasureReport> Measures { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One department of one county: the indicators it is responsible for and what it has reported each year.</summary>
public sealed class DepartmentGrain(
    [PersistentState(StorageNames.DepartmentState, StorageNames.Plans)] IPersistentState<DepartmentState> state,
    PlanData data) : Grain, IDepartmentGrain
{
    public async Task RecordAsync(DepartmentReport[] reports)
    {
        var changed = false;
        foreach (var r in reports)
        {
            var key = $"{r.Indicator}|{r.Year}";
            var existing = state.State.Reports.GetValueOrDefault(key);
            // Timeliness is judged by the first report: a later correction never makes an on-time report late.
            var report = r with { FirstReportedAt = existing?.FirstReportedAt ?? existing?.LastReportedAt ?? r.FirstReportedAt ?? r.LastReportedAt };
            if (existing != report)
            {
                state.State.Reports[key] = report;
                changed = true;
            }
        }
        if (changed)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RecordMeasureAsync(MeasureReport report)
    {
        // The latest report for a measure and year stands; earlier ones are in the audit trail of the gateway.
        state.State.Measures[report.Key] = report;
        await state.WriteStateAsync();
    }

    public Task<DepartmentView> GetAsync()
    {
        var key = this.GetPrimaryKeyString();
        var department = GrainKeys.LeafOf(key);
        var responsible = data.IndicatorList.Where(i => i.Department == department).Select(i => i.Code)
            .Union(state.State.Reports.Values.Select(r => r.Indicator), StringComparer.Ordinal)
            .ToArray();
        var reported = state.State.Reports.Values.OrderBy(r => r.Year).ThenBy(r => r.Indicator, StringComparer.Ordinal).ToArray();
        var measures = state.State.Measures.Values.OrderBy(m => m.Year).ThenBy(m => m.Plan, StringComparer.Ordinal).ThenBy(m => m.Area, StringComparer.Ordinal)
            .ThenBy(m => m.Measure).ToArray();
        return Task.FromResult(new DepartmentView(GrainKeys.CodeOf(key), department, responsible, reported, measures));
    }
}
