using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansPlans.Contracts;
using OrleansPlans.Counties;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Evaluation;
using OrleansPlans.Placement;

namespace OrleansPlans.Rollups;

/// <summary>
/// The roll-up of a subtree, kept in memory and maintained incrementally: each child's contribution per cell is
/// held, and a parent total changes by (new − old) of the child that changed — exact, because figures are decimals.
/// </summary>
/// <remarks>
/// Derived state only: on activation the grain re-reads its children, and a periodic reconciliation re-reads any
/// child whose version differs from the last one applied, so a lost message or a crashed silo heals by itself.
/// </remarks>
public abstract class RollupGrain(PlanData data, TimeProvider time, IOptions<RollupOptions> options, IOptions<MonitoringOptions> monitoring, ILogger logger)
    : Grain, IRollupGrain, IPartitionedGrain
{
    private readonly Dictionary<string, ChildState> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<CellKey, RollupCell> _totals = [];

    /// <summary>
    /// The slot of every cell any child has contributed: each child's contribution is an array indexed by slot, since
    /// the children of one roll-up report the same catalogue cells. A national silo's cities hold 5.6 million child
    /// cells; as a hash table of cell objects per child they took ~1.2 GB, a third of its heap ("Session 13").
    /// </summary>
    private readonly Dictionary<CellKey, int> _slots = [];
    private CellKey[] _slotKeys = new CellKey[16];

    /// <summary>Computed views per (year, with children), dropped whenever a cell changes: reads outnumber changes.</summary>
    private readonly Dictionary<(int Year, bool Children), RollupView> _views = [];
    private long _epoch;
    private long _sequence;
    private DateTimeOffset? _updatedAt;
    private int _leafCount;

    protected string Code { get; private set; } = "";

    protected OrgUnit Unit { get; private set; } = null!;

    protected PlanData Data => data;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Code = GrainKeys.CodeOf(this.GetPrimaryKeyString());
        Unit = data.OrgUnit(Code) ?? throw new InvalidOperationException($"{Code} is not an org unit");
        _leafCount = data.LeavesOf(Code).Count();
        _epoch = Random.Shared.NextInt64(1, long.MaxValue);
        foreach (var child in data.ChildrenOf(Code))
        {
            _children[child.Code] = new ChildState();
        }
        var snapshots = await Task.WhenAll(_children.Keys.Select(GetChildSnapshotAsync));
        foreach (var snapshot in snapshots)
        {
            Replace(snapshot);
        }
        _updatedAt = time.GetUtcNow();
        this.RegisterGrainTimer(ReconcileTickAsync, new GrainTimerCreationOptions(options.Value.ReconcilePeriod, options.Value.ReconcilePeriod));
        if (Unit.ParentCode is not null)
        {
            // Tell the parent what this activation holds, outside activation (the parent may be asking us right now).
            // Not interleaved: a snapshot sent while a later change is already on its way would overtake it and win.
            this.RegisterGrainTimer(AnnounceToParentAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }
        ServiceProvider.GetRequiredService<PartitionRebalancer>().Activated(this);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ServiceProvider.GetRequiredService<PartitionRebalancer>().Deactivated(this);
        await PartitionMoves.HandOverAsync(this);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task MoveToOwnerAsync() => PartitionMoves.Start(this);

    public Task WakeAsync() => Task.CompletedTask;

    protected abstract Task<ContributionSnapshot> GetChildSnapshotAsync(string child);

    protected abstract Task<ContributionVersion> GetChildVersionAsync(string child);

    /// <summary>The parent roll-up, or null for a province.</summary>
    protected abstract IRollupGrain? ParentGrain();

    public async Task ApplyChildCellsAsync(string child, ContributionVersion version, RollupCell[] cells)
    {
        var childState = ChildOf(child);
        var changed = new HashSet<CellKey>();
        foreach (var cell in cells)
        {
            if (SetChildCell(childState, cell.Key, cell))
            {
                changed.Add(cell.Key);
            }
        }
        // The cells are a delta on the child's previous version: trust the new version only when this parent held
        // exactly that one. After a lost message, or an older snapshot that arrived late (an announcement racing a
        // push), the child's contribution here may lack cells the delta does not carry; marking it unknown makes the
        // next reconciliation re-read it instead of comparing equal versions forever.
        var follows = childState.Version.Epoch == version.Epoch && childState.Version.Sequence == version.Sequence - 1;
        childState.Version = follows ? version : ContributionVersion.InFlight;
        await PublishAsync(changed);
    }

    public async Task ReplaceChildAsync(ContributionSnapshot snapshot)
    {
        var changed = Replace(snapshot);
        await PublishAsync(changed);
    }

    public Task<ContributionSnapshot> GetContributionAsync() =>
        Task.FromResult(new ContributionSnapshot(Code, Version, [.. _totals.Values]));

    public Task<ContributionVersion> GetVersionAsync() => Task.FromResult(Version);

    public Task<RollupView> GetRollupAsync(int year, bool includeChildren)
    {
        if (!_views.TryGetValue((year, includeChildren), out var view))
        {
            view = ComputeRollup(year, includeChildren);
            _views[(year, includeChildren)] = view;
        }
        return Task.FromResult(view);
    }

    private RollupView ComputeRollup(int year, bool includeChildren)
    {
        var entries = new List<RollupEntry>();
        var order = data.IndicatorOrder;
        foreach (var total in _totals.Values.Where(c => c.Key.Year == year && !ApprovalCells.Is(c.Key))
                     .OrderBy(c => order.GetValueOrDefault(c.Key.Indicator, int.MaxValue)).ThenBy(c => c.Key.Disaggregation, StringComparer.Ordinal))
        {
            var indicator = data.Indicators[total.Key.Indicator];
            var targets = data.TargetsFor(Code, indicator.Code, total.Key.Disaggregation);
            var status = StatusOf(indicator, targets, total.Key, TotalParts);
            ChildContribution[]? children = null;
            if (includeChildren)
            {
                children = [.. _children.Select(kv => ChildView(indicator, total.Key, kv.Key, kv.Value))];
            }
            entries.Add(new RollupEntry(indicator.Code, total.Key.Disaggregation, Aggregation.ValueOf(indicator, total.Numerator, total.Denominator),
                indicator.Kind == IndicatorKind.Count ? null : total.Numerator, total.Denominator,
                TargetEvaluation.ApplicableTarget(targets, year), status, total.ReportingUnits, _leafCount, total.Statuses, children));
        }
        return new RollupView(Code, year, _updatedAt, [.. entries], ApprovalCells.Tally(year, _leafCount, k => _totals.GetValueOrDefault(k)));
    }

    public async Task<IndicatorEvaluation[]> GetEvaluationAsync(int year)
    {
        var indicators = _totals.Keys.Where(k => !ApprovalCells.Is(k) && k.Disaggregation == Disaggregation.Total).Select(k => k.Indicator)
            .Distinct(StringComparer.Ordinal)
            .Where(i => data.Indicators[i].IsNumeric && data.TargetsFor(Code, i, Disaggregation.Total).Length > 0)
            .OrderBy(i => data.IndicatorOrder.GetValueOrDefault(i, int.MaxValue))
            .ToArray();
        var result = new List<IndicatorEvaluation>(indicators.Length);
        foreach (var indicator in indicators)
        {
            result.Add(Evaluations.Of(data.Indicators[indicator], await GetSeriesAsync(indicator), year, data.BaselineYear));
        }
        return [.. result];
    }

    public Task<DetectedWarning[]> GetAggregateWarningsAsync()
    {
        var warnings = new List<DetectedWarning>();
        foreach (var group in _totals.Values.Where(c => !ApprovalCells.Is(c.Key)).GroupBy(c => c.Key.Indicator, StringComparer.Ordinal))
        {
            var indicator = data.Indicators[group.Key];
            var figures = group.Select(c => SeriesWarnings.FromParts(Code, indicator, c.Key, c.Numerator, c.Denominator)).ToArray();
            warnings.AddRange(SeriesWarnings.Detect(Code, indicator, figures, d => data.TargetsFor(Code, indicator.Code, d), data.BaselineYear, monitoring.Value.ToWarningOptions())
                // Sub-group sums of an aggregate are sums of the counties' and break only where a county's do.
                .Where(w => w.Kind != WarningKind.ValidationRule)
                .Select(SeriesWarnings.ToDetected));
        }
        return Task.FromResult(warnings.ToArray());
    }

    public Task<IndicatorSeriesView> GetSeriesAsync(string indicatorCode)
    {
        var indicator = data.Indicators[indicatorCode];
        var series = new List<DisaggregatedSeries>();
        foreach (var group in _totals.Values.Where(c => c.Key.Indicator == indicatorCode).GroupBy(c => c.Key.Disaggregation).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var targets = data.TargetsFor(Code, indicatorCode, group.Key);
            var points = group.OrderBy(c => c.Key.Year).Select(c => new SeriesPoint(
                c.Key.Year, Aggregation.ValueOf(indicator, c.Numerator, c.Denominator), indicator.Kind == IndicatorKind.Count ? null : c.Numerator, c.Denominator,
                StatusOf(indicator, targets, c.Key, TotalParts), null, null, c.ReportingUnits)).ToArray();
            series.Add(new DisaggregatedSeries(group.Key, points, targets));
        }
        if (series.All(s => s.Disaggregation != Disaggregation.Total))
        {
            series.Insert(0, new DisaggregatedSeries(Disaggregation.Total, [], data.TargetsFor(Code, indicatorCode, Disaggregation.Total)));
        }
        var total = series.First(s => s.Disaggregation == Disaggregation.Total);
        var latest = total.Points.LastOrDefault(p => p.Value is not null);
        var parts = _totals.Values.Where(c => c.Key.Indicator == indicatorCode && c.Key.Disaggregation == Disaggregation.Total)
            .ToDictionary(c => c.Key.Year, c => (c.Numerator, c.Denominator));
        var evaluation = Domain.Evaluation.SeriesEvaluation.Evaluate(indicator, parts, total.Targets, data.BaselineYear);
        return Task.FromResult(new IndicatorSeriesView(Code, indicatorCode, [.. series], latest?.Year, latest?.Value, latest?.Status ?? TargetStatus.NoData, evaluation));
    }

    public async Task<ConsistencyReport> CheckConsistencyAsync()
    {
        var leaves = data.LeavesOf(Code).ToArray();
        var snapshots = await Task.WhenAll(leaves.Select(l => GrainFactory.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(l.Code)).GetContributionAsync()));
        var recomputed = snapshots.SelectMany(s => s.Cells).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => Aggregation.Sum(g.Key, g));
        var differences = new List<ConsistencyDifference>();
        foreach (var key in recomputed.Keys.Union(_totals.Keys))
        {
            var maintained = _totals.GetValueOrDefault(key);
            var fresh = recomputed.GetValueOrDefault(key);
            if (!Aggregation.SameFigures(maintained, fresh))
            {
                differences.Add(new ConsistencyDifference(key, maintained, fresh));
            }
        }
        return new ConsistencyReport(Code, leaves.Length, recomputed.Count, [.. differences.Take(1000)]);
    }

    public async Task ReconcileAsync()
    {
        var stale = new List<string>();
        var versions = await Task.WhenAll(_children.Keys.Select(async c => (Child: c, Version: await GetChildVersionAsync(c))));
        foreach (var (child, version) in versions)
        {
            if (version == ContributionVersion.InFlight || version != _children[child].Version)
            {
                stale.Add(child);
            }
        }
        if (stale.Count == 0)
        {
            return;
        }
        var snapshots = await Task.WhenAll(stale.Select(GetChildSnapshotAsync));
        var changed = new HashSet<CellKey>();
        foreach (var snapshot in snapshots)
        {
            changed.UnionWith(Replace(snapshot));
        }
        PlansMetrics.Reconciled.Add(stale.Count);
        if (changed.Count > 0)
        {
            logger.LogInformation("Roll-up {OrgUnit} reconciled {Children} child(ren); {Cells} cell(s) changed", Code, stale.Count, changed.Count);
        }
        await PublishAsync(changed);
    }

    private async Task ReconcileTickAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReconcileAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Roll-up {OrgUnit} could not reconcile; will retry", Code);
        }
    }

    private async Task AnnounceToParentAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (ParentGrain() is { } parent)
            {
                await parent.ReplaceChildAsync(new ContributionSnapshot(Code, Version, [.. _totals.Values]));
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Roll-up {OrgUnit} could not announce itself to its parent; the parent's reconciliation will", Code);
        }
    }

    private ContributionVersion Version => new(_epoch, _sequence);

    private ChildState ChildOf(string child) =>
        _children.TryGetValue(child, out var s) ? s : throw new ArgumentException($"{child} is not a child of {Code}", nameof(child));

    /// <summary>Replaces a child's whole contribution; returns the cells whose totals changed.</summary>
    private HashSet<CellKey> Replace(ContributionSnapshot snapshot)
    {
        var childState = ChildOf(snapshot.OrgUnit);
        var changed = new HashSet<CellKey>();
        var incoming = snapshot.Cells.ToDictionary(c => c.Key);
        for (var slot = 0; slot < childState.Cells.Length; slot++)
        {
            var key = _slotKeys[slot];
            if (childState.Cells[slot].Present && !incoming.ContainsKey(key) && SetChildCell(childState, key, null))
            {
                changed.Add(key);
            }
        }
        foreach (var cell in incoming.Values)
        {
            if (SetChildCell(childState, cell.Key, cell))
            {
                changed.Add(cell.Key);
            }
        }
        childState.Version = snapshot.Version;
        return changed;
    }

    /// <summary>Sets (or removes) one child's cell and moves the total by the difference.</summary>
    private bool SetChildCell(ChildState child, CellKey key, RollupCell? cell)
    {
        var slot = cell is null ? _slots.GetValueOrDefault(key, -1) : SlotOf(key);
        var old = slot < 0 ? default : child.At(slot);
        if (old.Present ? cell is not null && old.Same(cell) : cell is null)
        {
            return false;
        }
        _views.Clear();
        child.Set(slot, cell is null ? default : new ChildCell(cell), _slots.Count, _slotKeys.Length);
        var total = _totals.GetValueOrDefault(key) ?? new RollupCell(key, 0m, null, 0, StatusCounts.Zero);
        var numerator = total.Numerator - old.Numerator + (cell?.Numerator ?? 0m);
        var denominator = AddNullable(AddNullable(total.Denominator, old.Denominator, -1), cell?.Denominator, +1);
        var reporting = total.ReportingUnits - old.ReportingUnits + (cell?.ReportingUnits ?? 0);
        var statuses = total.Statuses.Replace(old.Statuses ?? StatusCounts.Zero, cell?.Statuses ?? StatusCounts.Zero);
        if (reporting <= 0)
        {
            _totals.Remove(key);
        }
        else
        {
            _totals[key] = new RollupCell(key, numerator, denominator, reporting, statuses);
        }
        return true;
    }

    private int SlotOf(CellKey key)
    {
        if (!_slots.TryGetValue(key, out var slot))
        {
            slot = _slots.Count;
            _slots.Add(key, slot);
            if (slot == _slotKeys.Length)
            {
                Array.Resize(ref _slotKeys, slot * 2);
            }
            _slotKeys[slot] = key;
        }
        return slot;
    }

    private (decimal Numerator, decimal? Denominator)? TotalParts(CellKey key) =>
        _totals.TryGetValue(key, out var cell) ? (cell.Numerator, cell.Denominator) : null;

    private static decimal? AddNullable(decimal? total, decimal? part, int sign) =>
        part is null ? total : (total ?? 0m) + sign * part.Value;

    private async Task PublishAsync(HashSet<CellKey> changed)
    {
        if (changed.Count == 0)
        {
            return;
        }
        _sequence++;
        _updatedAt = time.GetUtcNow();
        if (ParentGrain() is { } parent)
        {
            var cells = changed.Select(k => _totals.GetValueOrDefault(k) ?? new RollupCell(k, 0m, null, 0, StatusCounts.Zero)).ToArray();
            await parent.ApplyChildCellsAsync(Code, Version, cells);
        }
    }

    private ChildContribution ChildView(IndicatorDefinition indicator, CellKey key, string child, ChildState state)
    {
        var name = data.OrgUnit(child)?.Name ?? child;
        var cell = _slots.TryGetValue(key, out var slot) ? state.At(slot) : default;
        if (!cell.Present)
        {
            return new ChildContribution(child, name, null, null, null, 0, StatusCounts.Zero, TargetStatus.NoData);
        }
        // A city's children are county-level units (a city without counties: its stand-in of the same code).
        var status = Unit.Level == OrgUnitLevel.Prefecture
            ? CountyGrain.StatusOf(cell.Statuses!)
            : StatusOf(indicator, data.TargetsFor(child, indicator.Code, key.Disaggregation), key,
                k => _slots.TryGetValue(k, out var s) && state.At(s) is { Present: true } c ? (c.Numerator, c.Denominator) : null);
        return new ChildContribution(child, name, Aggregation.ValueOf(indicator, cell.Numerator, cell.Denominator),
            indicator.Kind == IndicatorKind.Count ? null : cell.Numerator, cell.Denominator, cell.ReportingUnits, cell.Statuses!, status);
    }

    /// <summary>The status of an aggregate against the org unit's targets, judged on its own series.</summary>
    private TargetStatus StatusOf(IndicatorDefinition indicator, TargetView[] targets, CellKey key, Func<CellKey, (decimal Numerator, decimal? Denominator)?> lookup)
    {
        var series = new Dictionary<int, decimal?>();
        foreach (var year in YearsOf(key, lookup))
        {
            var parts = lookup(key with { Year = year });
            series[year] = parts is { } p ? Aggregation.ValueOf(indicator, p.Numerator, p.Denominator) : null;
        }
        return TargetEvaluation.Evaluate(indicator, targets, series, key.Year, data.BaselineYear);
    }

    private IEnumerable<int> YearsOf(CellKey key, Func<CellKey, (decimal Numerator, decimal? Denominator)?> lookup)
    {
        for (var year = data.BaselineYear - 5; year <= key.Year; year++)
        {
            if (lookup(key with { Year = year }) is not null)
            {
                yield return year;
            }
        }
    }

    private sealed class ChildState
    {
        public ContributionVersion Version { get; set; } = new(-2, -2);

        /// <summary>The child's cell in each slot of the roll-up (<see cref="_slots"/>); absent beyond the end.</summary>
        public ChildCell[] Cells { get; private set; } = [];

        public ChildCell At(int slot) => slot < Cells.Length ? Cells[slot] : default;

        /// <summary>
        /// Sets a slot, widening the array to every slot known so far (the children report the same cells). A child that
        /// is adding slots (the first of its roll-up to report a cell) widens by doubling, up to the slot table's own
        /// capacity: widened one slot per new cell, the first county of a city allocated O(cells²), ~90 MB.
        /// </summary>
        public void Set(int slot, ChildCell cell, int slots, int slotCapacity)
        {
            if (slot >= Cells.Length)
            {
                if (!cell.Present)
                {
                    return;
                }
                var wider = new ChildCell[Math.Max(slot + 1, Math.Max(slots, Math.Min(2 * Cells.Length, slotCapacity)))];
                Cells.CopyTo(wider, 0);
                Cells = wider;
            }
            Cells[slot] = cell;
        }
    }

    /// <summary>A child's contribution to one cell, held inline (no object per cell); default = no contribution.</summary>
    private readonly struct ChildCell(RollupCell cell)
    {
        public decimal Numerator { get; } = cell.Numerator;

        public decimal? Denominator { get; } = cell.Denominator;

        public int ReportingUnits { get; } = cell.ReportingUnits;

        /// <summary>Null when the child contributes nothing to the cell.</summary>
        public StatusCounts? Statuses { get; } = cell.Statuses ?? StatusCounts.Zero;

        public bool Present => Statuses is not null;

        public bool Same(RollupCell cell) =>
            Numerator == cell.Numerator && Denominator == cell.Denominator && ReportingUnits == cell.ReportingUnits && Statuses == cell.Statuses;
    }
}

/// <summary>A prefecture-level city: the roll-up of its county-level units, on the silo that holds them.</summary>
[CityPartitionPlacement]
public sealed class CityGrain(PlanData data, TimeProvider time, IOptions<RollupOptions> options, IOptions<MonitoringOptions> monitoring, ILogger<CityGrain> logger)
    : RollupGrain(data, time, options, monitoring, logger), ICityGrain
{
    protected override Task<ContributionSnapshot> GetChildSnapshotAsync(string child) =>
        GrainFactory.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(child)).GetContributionAsync();

    protected override Task<ContributionVersion> GetChildVersionAsync(string child) =>
        GrainFactory.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(child)).GetVersionAsync();

    private IProvinceGrain? _parent;

    protected override IRollupGrain? ParentGrain() =>
        Unit.ParentCode is null ? null : _parent ??= GrainFactory.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(Unit.ParentCode));
}

/// <summary>A province: the roll-up of its prefecture-level cities (a partition of its own).</summary>
[CityPartitionPlacement]
public sealed class ProvinceGrain(PlanData data, TimeProvider time, IOptions<RollupOptions> options, IOptions<MonitoringOptions> monitoring, ILogger<ProvinceGrain> logger)
    : RollupGrain(data, time, options, monitoring, logger), IProvinceGrain
{
    protected override Task<ContributionSnapshot> GetChildSnapshotAsync(string child) =>
        GrainFactory.GetGrain<ICityGrain>(GrainKeys.OrgUnit(child)).GetContributionAsync();

    protected override Task<ContributionVersion> GetChildVersionAsync(string child) =>
        GrainFactory.GetGrain<ICityGrain>(GrainKeys.OrgUnit(child)).GetVersionAsync();

    protected override IRollupGrain? ParentGrain() => null;
}
