using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Evaluation;

namespace OrleansPlans.Gateway.Monitoring;

/// <summary>A county's share of a subtree's reporting completeness.</summary>
public sealed record ChildCompleteness(OrgUnitRefLite OrgUnit, CompletenessView Counts);

public sealed record OrgUnitRefLite(string Code, string Name);

/// <summary>Completeness of an org unit for a year: all departments, each department, and each child unit.</summary>
public sealed record CompletenessSummary(CompletenessView Total, CompletenessView[] Departments, ChildCompleteness[] Children);

/// <summary>
/// The monitoring reads that span a subtree (warnings, completeness, approvals, measure reports): the gateway asks each
/// county-level unit of the subtree, a bounded number at a time, and sums counts — never averages percentages.
/// Counties hold these registers; a province-wide question is a fan-out of small, independent grain calls, so no grain
/// becomes hot and no roll-up grain is held up.
/// </summary>
public sealed class MonitoringQueries(PlanData data, IGrainFactory grains)
{
    private const int Parallelism = 32;

    /// <summary>Distinct questions whose fan-outs are shared; beyond it the map starts again empty.</summary>
    private const int SharedCapacity = 1024;

    private readonly Apis.CoalescedReadMap _shared = new(SharedCapacity);

    /// <summary>
    /// Asks a subtree question once for every caller asking the same one at the same time: one fan-out runs at a time
    /// per question, a caller arriving while it runs waits for the next, and each answer comes from a fan-out that
    /// started after its caller arrived (<see cref="Apis.CoalescedRead{T}"/> without reuse). The open pages of a
    /// province reload together on each change and each asks for its ten newest warnings; one fan-out to 183 counties
    /// per page per change had been a third of the reload's time (docs/benchmarks.md, session 16).
    /// </summary>
    public Task<T> SharedAsync<T>(string question, Func<Task<T>> ask) => _shared.ReadAsync(question, ask);

    /// <summary>The subtree's stored warnings: per-county pages (each with its counts and newest records), merged.</summary>
    public async Task<(string County, WarningPage Page)[]> CountyWarningsAsync(OrgUnit unit, WarningFilter filter)
    {
        var leaves = data.LeavesOf(unit.Code).ToArray();
        var pages = await FanOutAsync(leaves, c => County(c.Code).GetWarningsAsync(filter));
        return [.. leaves.Zip(pages, (l, p) => (l.Code, p))];
    }

    public static WarningRecord[] Newest(IEnumerable<(string County, WarningPage Page)> pages, int? limit) =>
        [.. pages.SelectMany(p => p.Page.Warnings).OrderByDescending(w => w.ClearedAt ?? w.RaisedAt).ThenBy(w => w.OrgUnit, StringComparer.Ordinal)
            .ThenBy(w => w.Key, StringComparer.Ordinal).Take(limit ?? int.MaxValue)];

    /// <summary>Warnings on a city's or province's own aggregate series (derived live, not stored).</summary>
    public async Task<DetectedWarning[]> AggregateWarningsAsync(OrgUnit unit) => unit.Level switch
    {
        OrgUnitLevel.Prefecture => await grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit(unit.Code)).GetAggregateWarningsAsync(),
        OrgUnitLevel.Province => await grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(unit.Code)).GetAggregateWarningsAsync(),
        _ => [],
    };

    public async Task<CompletenessSummary> CompletenessAsync(OrgUnit unit, int year)
    {
        var leaves = data.LeavesOf(unit.Code).ToArray();
        var perCounty = await FanOutAsync(leaves, c => County(c.Code).GetCompletenessAsync(year));
        var zero = new CompletenessView(unit.Code, year, null, 0, 0, 0, 0, 0, 0);
        var total = perCounty.Select(v => v[0]).Aggregate(zero, (acc, v) => acc.Add(v) with { OrgUnit = unit.Code, Department = null });
        var departments = perCounty.SelectMany(v => v.Skip(1))
            .GroupBy(v => v.Department!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Aggregate(zero with { Department = g.Key }, (acc, v) => acc.Add(v)))
            .ToArray();
        var children = new List<ChildCompleteness>();
        if (unit.Level != OrgUnitLevel.County)
        {
            var byLeaf = leaves.Zip(perCounty, (leaf, v) => (leaf, total: v[0])).ToDictionary(x => x.leaf.Code, x => x.total, StringComparer.Ordinal);
            foreach (var child in data.ChildrenOf(unit.Code))
            {
                var sum = data.LeavesOf(child.Code).Select(l => byLeaf[l.Code]).Aggregate(zero with { OrgUnit = child.Code }, (acc, v) => acc.Add(v) with { OrgUnit = child.Code });
                children.Add(new ChildCompleteness(new OrgUnitRefLite(child.Code, child.Name), sum));
            }
        }
        return new CompletenessSummary(total, departments, [.. children]);
    }

    public Task<IndicatorEvaluation[]> EvaluationAsync(OrgUnit unit, int year) => unit.Level switch
    {
        OrgUnitLevel.County => County(unit.Code).GetEvaluationAsync(year),
        OrgUnitLevel.Prefecture => grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit(unit.Code)).GetEvaluationAsync(year),
        _ => grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(unit.Code)).GetEvaluationAsync(year),
    };

    public Task<DatasetApprovalView[]> DatasetsAsync(OrgUnit unit, int year) =>
        FanOutAsync(data.LeavesOf(unit.Code), c => County(c.Code).GetDatasetAsync(year));

    /// <summary>Measure progress reports of every county with a plan in the subtree (from the departments that lead measures).</summary>
    public async Task<MeasureReport[]> MeasureReportsAsync(OrgUnit unit, int? year)
    {
        var counties = data.LeavesOf(unit.Code).Where(c => data.Plans.Any(p => p.County == c.Code)).ToArray();
        var lists = await FanOutAsync(counties, async c =>
        {
            var departments = LeadDepartments(c.Code);
            var views = await Task.WhenAll(departments.Select(d => grains.GetGrain<IDepartmentGrain>(GrainKeys.Department(c.Code, d)).GetAsync()));
            return views.SelectMany(v => v.Measures ?? []).Select(m => (County: c.Code, Report: m)).ToArray();
        });
        return [.. lists.SelectMany(l => l).Where(x => year is null || x.Report.Year == year).Select(x => x.Report)];
    }

    /// <summary>The canonical departments that lead at least one measure of a county's plans.</summary>
    public IReadOnlyList<string> LeadDepartments(string county) =>
        [.. data.Plans.Where(p => p.County == county)
            .SelectMany(p => p.Areas.SelectMany(a => a.Measures.SelectMany(m => m.Lead)).Select(name => p.Departments.GetValueOrDefault(name) ?? data.ResolveDepartment(name)?.Code))
            .OfType<string>().Distinct(StringComparer.Ordinal)];

    /// <summary>Qualitative goals of a county's plans rated from its measure reports.</summary>
    public async Task<QualitativeGoalRating[]> QualitativeGoalsAsync(OrgUnit unit, int year)
    {
        if (unit.Level != OrgUnitLevel.County)
        {
            return [];
        }
        var reports = await MeasureReportsAsync(unit, year);
        return [.. data.Plans.Where(p => p.County == unit.Code).OrderBy(p => p.Kind).SelectMany(p => QualitativeGoals.Rate(p, data.Indicators, reports, year))];
    }

    private ICountyGrain County(string code) => grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(code));

    private static async Task<T[]> FanOutAsync<T>(IEnumerable<OrgUnit> units, Func<OrgUnit, Task<T>> call)
    {
        var list = units.ToArray();
        var results = new T[list.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, list.Length), new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (i, _) => results[i] = await call(list[i]));
        return results;
    }
}
