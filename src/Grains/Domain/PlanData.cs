using System.Collections.Frozen;
using OrleansPlans.Contracts;

namespace OrleansPlans.Domain;

/// <summary>
/// Everything loaded from <c>data/</c>: the catalogue, departments, divisions, plans and national targets,
/// with the look-ups the grains and the gateway need. Immutable once loaded.
/// </summary>
public sealed class PlanData
{
    public const int DefaultPlanStart = 2021;
    public const int DefaultPlanEnd = 2030;

    private readonly FrozenDictionary<string, OrgUnit[]> _children;

    /// <summary>The county-level units that report figures: every county, and each city without counties standing in for itself.</summary>
    private readonly FrozenDictionary<string, OrgUnit> _reportingUnits;
    private readonly FrozenDictionary<(string County, PlanKind Kind), Plan> _plans;

    /// <summary>The plans of each org unit that adopted one (a handful): every other unit skips the plan scan.</summary>
    private readonly FrozenDictionary<string, Plan[]> _plansByOrgUnit;
    private readonly FrozenDictionary<string, NationalTarget[]> _national;
    private readonly DepartmentDirectory _departments;

    public PlanData(
        IEnumerable<IndicatorDefinition> indicators,
        IEnumerable<Department> departments,
        IEnumerable<OrgUnit> divisions,
        IEnumerable<Plan> plans,
        IEnumerable<NationalTarget> nationalTargets,
        int baselineYear = 2020)
    {
        // Catalogue files list indicators in document order; keep it within each plan area.
        IndicatorList = [.. indicators.Select((i, n) => (i, n)).OrderBy(x => x.i.Plan).ThenBy(x => AreaOrder(x.i.Plan, x.i.Area)).ThenBy(x => x.n).Select(x => x.i)];
        Indicators = IndicatorList.ToFrozenDictionary(i => i.Code, StringComparer.Ordinal);
        Departments = departments.ToFrozenDictionary(d => d.Code, StringComparer.Ordinal);
        OrgUnits = divisions.ToFrozenDictionary(o => o.Code, StringComparer.Ordinal);
        // A prefecture-level city without county-level divisions (东莞市, 中山市, 儋州市) reports itself: its only child is a
        // county-level unit with the city's own code, so every city roll-up has reporting units under it and the
        // province → city → county shape holds everywhere. No code is invented.
        var standIns = StandInsOf(OrgUnits.Values);
        _children = OrgUnits.Values.Where(o => o.ParentCode is not null).Concat(standIns)
            .GroupBy(o => o.ParentCode!, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(o => o.Code, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        _reportingUnits = OrgUnits.Values.Where(o => o.Level == OrgUnitLevel.County).Concat(standIns)
            .ToFrozenDictionary(o => o.Code, StringComparer.Ordinal);
        _plans = plans.ToFrozenDictionary(p => (p.County, p.Kind));
        _plansByOrgUnit = _plans.Values.GroupBy(p => p.County, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _national = nationalTargets.GroupBy(t => t.Indicator, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _departments = new DepartmentDirectory(Departments.Values);
        IndicatorOrder = IndicatorList.Select((i, n) => (i.Code, n)).ToFrozenDictionary(x => x.Code, x => x.n, StringComparer.Ordinal);
        BaselineYear = baselineYear;
    }

    public FrozenDictionary<string, IndicatorDefinition> Indicators { get; }

    /// <summary>The catalogue in plan → area order.</summary>
    public IReadOnlyList<IndicatorDefinition> IndicatorList { get; }

    /// <summary>Each indicator's position in <see cref="IndicatorList"/>, for ordering views.</summary>
    public FrozenDictionary<string, int> IndicatorOrder { get; }

    public FrozenDictionary<string, Department> Departments { get; }

    public FrozenDictionary<string, OrgUnit> OrgUnits { get; }

    public IEnumerable<Plan> Plans => _plans.Values;

    public IEnumerable<NationalTarget> NationalTargets => _national.Values.SelectMany(t => t);

    /// <summary>The year directional targets are measured from (the plans' base year, 2020).</summary>
    public int BaselineYear { get; }

    /// <summary>
    /// The reporting units of the prefectures that have no county-level unit under them in a division table: each the
    /// city's own code and name at county level, with the city as its parent.
    /// </summary>
    public static OrgUnit[] StandInsOf(IEnumerable<OrgUnit> divisions)
    {
        var all = divisions as IReadOnlyCollection<OrgUnit> ?? [.. divisions];
        var parents = all.Where(o => o.ParentCode is not null).Select(o => o.ParentCode!).ToHashSet(StringComparer.Ordinal);
        return [.. all.Where(o => o.Level == OrgUnitLevel.Prefecture && !parents.Contains(o.Code))
            .Select(o => new OrgUnit(o.Code, o.Name, OrgUnitLevel.County, o.Code) { StandsForCity = true })];
    }

    /// <summary>The division of a code (for 东莞市 441900: the prefecture-level city; see <see cref="ReportingUnit"/>).</summary>
    public OrgUnit? OrgUnit(string code) => OrgUnits.GetValueOrDefault(code);

    /// <summary>
    /// The county-level unit that reports figures under a code: a county, or the stand-in of a city without counties
    /// (<see cref="Domain.OrgUnit.StandsForCity"/>, parent = the city itself); null for any other code.
    /// </summary>
    public OrgUnit? ReportingUnit(string code) => _reportingUnits.GetValueOrDefault(code);

    /// <summary>Every county-level reporting unit (2,854 in the national division table).</summary>
    public IEnumerable<OrgUnit> ReportingUnits => _reportingUnits.Values;

    /// <summary>
    /// The unit a code names to users and the API: the reporting unit where a city stands in for itself (its city
    /// roll-up holds the same figures), else the division.
    /// </summary>
    public OrgUnit? ViewedUnit(string code) => _reportingUnits.TryGetValue(code, out var unit) && unit.StandsForCity ? unit : OrgUnit(code);

    /// <summary>
    /// The children of a division: cities of a province, county-level units of a city (a city without counties has
    /// its stand-in, of the same code, as its only child — walks must not recurse into a child of the parent's code).
    /// </summary>
    public IReadOnlyList<OrgUnit> ChildrenOf(string code) => _children.GetValueOrDefault(code) ?? [];

    /// <summary>The org unit followed by its parent, grandparent … up to the province.</summary>
    public IReadOnlyList<OrgUnit> ChainOf(string code)
    {
        var chain = new List<OrgUnit>();
        for (var unit = OrgUnit(code); unit is not null; unit = unit.ParentCode is null ? null : OrgUnit(unit.ParentCode))
        {
            chain.Add(unit);
        }
        return chain;
    }

    /// <summary>The county-level units under an org unit (itself if it is one).</summary>
    public IEnumerable<OrgUnit> LeavesOf(string code) => OrgUnit(code) is { } unit ? LeavesOf(unit) : [];

    private IEnumerable<OrgUnit> LeavesOf(OrgUnit unit)
    {
        if (unit.Level == OrgUnitLevel.County)
        {
            yield return unit;
            yield break;
        }
        foreach (var child in ChildrenOf(unit.Code))
        {
            foreach (var leaf in LeavesOf(child))
            {
                yield return leaf;
            }
        }
    }

    public Plan? PlanOf(string county, PlanKind kind) => _plans.GetValueOrDefault((county, kind));

    /// <summary>The years a county may report for a plan kind: the baseline year through the plan's end year.</summary>
    public PlanPeriod ReportingPeriod(string county, PlanKind kind)
    {
        var plan = PlanOf(county, kind);
        var end = plan?.Period.End ?? DefaultPlanEnd;
        return new PlanPeriod(Math.Min(BaselineYear, plan?.Period.Start ?? DefaultPlanStart), end);
    }

    /// <summary>Finds the canonical department of a code or local name (市卫健局 → health).</summary>
    public Department? ResolveDepartment(string nameOrCode) => _departments.Resolve(nameOrCode);

    /// <summary>
    /// The targets that apply to an org unit's indicator and disaggregation, in the indicator's unit:
    /// the county's own plan where it has any for the indicator, else the national defaults (totals only).
    /// </summary>
    /// <remarks>
    /// Cheap enough to call per cell and per read (grains no longer keep their own copies): a unit with its own plan gets
    /// its targets computed once (cached: a few units × their indicators), every other unit the shared national array.
    /// </remarks>
    public TargetView[] TargetsFor(string orgUnit, string indicator, string disaggregation)
    {
        if (!Indicators.TryGetValue(indicator, out var definition))
        {
            return [];
        }
        if (_plansByOrgUnit.TryGetValue(orgUnit, out var plans))
        {
            var own = _ownViews.GetOrAdd((orgUnit, indicator, disaggregation), static (key, state) => OwnTargets(state.Plans, state.Definition, key.Indicator, key.Disaggregation),
                (Plans: plans, Definition: definition));
            if (own.Length > 0)
            {
                return own;
            }
        }
        if (disaggregation != Disaggregation.Total)
        {
            return [];
        }
        // Shared by every org unit without a plan target of its own (almost all of them): one array per indicator
        // instead of one per grain — at national scale ~660,000 indicator grains each held their own copies.
        return _nationalViews.GetOrAdd(indicator, code => _national.TryGetValue(code, out var national)
            ? [.. national.Select(n => NationalView(definition, n)).OfType<TargetView>().OrderBy(v => v.Year)]
            : []);
    }

    private static TargetView[] OwnTargets(Plan[] plans, IndicatorDefinition definition, string indicator, string disaggregation)
    {
        var own = new List<TargetView>();
        foreach (var plan in plans)
        {
            foreach (var t in plan.AllTargets)
            {
                if (t.Indicator == indicator && Disaggregation.Key(t.Disaggregation) == disaggregation && ToView(definition, t, plan) is { } view)
                {
                    own.Add(view);
                }
            }
        }
        return [.. own.DistinctBy(v => (v.Comparator, v.Value, v.Year, v.BaseYear, v.ChangePercent)).OrderBy(v => v.Year)];
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string OrgUnit, string Indicator, string Disaggregation), TargetView[]> _ownViews = new();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TargetView[]> _nationalViews = new(StringComparer.Ordinal);

    private static TargetView? ToView(IndicatorDefinition definition, PlanTarget t, Plan plan)
    {
        decimal? value = null;
        if (t.Value is { } v)
        {
            if (!Units.TryConvert(v, t.Unit ?? definition.Unit, definition.Unit, out var converted))
            {
                return null;
            }
            value = converted;
        }
        var source = $"{plan.Title}";
        return new TargetView(t.Comparator, value, definition.Unit, t.Year, t.Approximate, t.BaseYear, t.ChangePercent, source, t.Text);
    }

    private static TargetView? NationalView(IndicatorDefinition definition, NationalTarget n)
    {
        decimal? value = null;
        if (n.Value is { } v)
        {
            if (!Units.TryConvert(v, n.Unit, definition.Unit, out var converted))
            {
                return null;
            }
            value = converted;
        }
        return new TargetView(n.Comparator, value, definition.Unit, n.Year, n.Approximate, n.BaseYear, n.ChangePercent, "国家纲要（2021—2030年）默认目标", null);
    }

    private static int AreaOrder(PlanKind kind, string area)
    {
        var areas = PlanAreas.Of(kind);
        for (var i = 0; i < areas.Count; i++)
        {
            if (areas[i].Code == area)
            {
                return i;
            }
        }
        return areas.Count;
    }
}

/// <summary>Canonical departments by code, Chinese name or local alias; a leading 市/县/区/旗 is ignored.</summary>
public sealed class DepartmentDirectory
{
    private static readonly string[] LevelPrefixes = ["市", "县", "区", "旗"];

    private readonly FrozenDictionary<string, Department> _byName;

    public DepartmentDirectory(IEnumerable<Department> departments)
    {
        var names = new Dictionary<string, Department>(StringComparer.Ordinal);
        foreach (var d in departments)
        {
            names.TryAdd(d.Code, d);
            names.TryAdd(d.NameZh, d);
            foreach (var a in d.Aliases)
            {
                names.TryAdd(a, d);
            }
        }
        _byName = names.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public Department? Resolve(string nameOrCode)
    {
        if (_byName.TryGetValue(nameOrCode, out var d))
        {
            return d;
        }
        foreach (var prefix in LevelPrefixes)
        {
            if (nameOrCode.StartsWith(prefix, StringComparison.Ordinal) && _byName.TryGetValue(nameOrCode[prefix.Length..], out d))
            {
                return d;
            }
        }
        return null;
    }
}
