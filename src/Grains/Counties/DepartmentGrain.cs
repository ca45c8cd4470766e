using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Counties;

[GenerateSerializer, Alias("plans.DepartmentState")]
public sealed class DepartmentState
{
    /// <summary>What was reported, keyed by "indicator|year".</summary>
    [Id(0)] public Dictionary<string, DepartmentReport> Reports { get; set; } = new(StringComparer.Ordinal);
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
            if (!state.State.Reports.TryGetValue(key, out var existing) || existing != r)
            {
                state.State.Reports[key] = r;
                changed = true;
            }
        }
        if (changed)
        {
            await state.WriteStateAsync();
        }
    }

    public Task<DepartmentView> GetAsync()
    {
        var key = this.GetPrimaryKeyString();
        var department = GrainKeys.LeafOf(key);
        var responsible = data.IndicatorList.Where(i => i.Department == department).Select(i => i.Code)
            .Union(state.State.Reports.Values.Select(r => r.Indicator), StringComparer.Ordinal)
            .ToArray();
        var reported = state.State.Reports.Values.OrderBy(r => r.Year).ThenBy(r => r.Indicator, StringComparer.Ordinal).ToArray();
        return Task.FromResult(new DepartmentView(GrainKeys.CodeOf(key), department, responsible, reported));
    }
}
