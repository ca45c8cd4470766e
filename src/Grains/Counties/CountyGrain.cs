using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Placement;
using OrleansPlans.Domain.Evaluation;

namespace OrleansPlans.Counties;

[GenerateSerializer, Alias("plans.CountyState")]
public sealed class CountyState
{
    /// <summary>Incremented by every accepted batch; the county's contribution version.</summary>
    [Id(0)] public long Sequence { get; set; }

    /// <summary>The last accepted batch, written before it is applied so that a crash mid-way is completed on reactivation.</summary>
    [Id(1)] public PendingBatch? Pending { get; set; }

    /// <summary>Indicators that hold at least one figure at this county.</summary>
    [Id(2)] public HashSet<string> Indicators { get; set; } = new(StringComparer.Ordinal);

    [Id(3)] public DateTimeOffset? LastPushAt { get; set; }

    /// <summary>
    /// Where the early-warning register lived before it got its own state (<see cref="WarningRegisterState"/>): read
    /// once to move an existing register over, then left empty. Kept out of this state because the register (with its
    /// cleared history) is far larger than the rest, and this state is written twice per push.
    /// </summary>
    [Id(4)] public Dictionary<string, WarningRecord> Warnings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The annual datasets' approval state and history, by year.</summary>
    [Id(5)] public Dictionary<int, DatasetRecord> Datasets { get; set; } = [];

    /// <summary>Departments that have reported figures here (until session 8 their grains kept the reporting times).</summary>
    [Id(6)] public HashSet<string> Departments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Before the register had its own state: the sequence it reflected (moved with it).</summary>
    [Id(7)] public long WarningsCheckedSequence { get; set; }

    /// <summary>Years with a row of figures (<see cref="StorageNames.CountyFigures"/>).</summary>
    [Id(8)] public HashSet<int> Years { get; set; } = [];

    /// <summary>Where the figures are stored: 0 = a row per indicator (before session 8), <see cref="FiguresByYear"/>.</summary>
    [Id(9)] public int FiguresLayout { get; set; }

    public const int FiguresByYear = 1;
}

[GenerateSerializer, Alias("plans.WarningRegisterState")]
public sealed class WarningRegisterState
{
    /// <summary>
    /// The early-warning register: active warnings keyed by <see cref="WarningRecord.Key"/>, cleared ones by key and the
    /// time they were raised (a warning raised again after clearing is a new record; the old one stays as history).
    /// </summary>
    [Id(0)] public Dictionary<string, WarningRecord> Warnings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The county's <see cref="CountyState.Sequence"/> whose changes the register reflects (behind it: a check is due).</summary>
    [Id(1)] public long CheckedSequence { get; set; }
}

[GenerateSerializer, Alias("plans.DatasetRecord")]
public sealed class DatasetRecord
{
    /// <summary>open, submitted, approvedByCity or approvedByProvince.</summary>
    [Id(0)] public string State { get; set; } = "open";

    [Id(1)] public List<ApprovalEvent> History { get; set; } = [];
}

[GenerateSerializer, Alias("plans.PendingBatch")]
public sealed record PendingBatch(
    [property: Id(0)] Guid BatchId,
    [property: Id(1)] string Principal,
    [property: Id(2)] DataValueRow[] Rows,
    [property: Id(3)] DateTimeOffset ReportedAt);

/// <summary>
/// A county-level unit. Validates a batch as a whole, records it (the durability point of a push), applies it to its
/// figures (stored per year) and department grains, then hands the changed cells to its city, which hands its own to
/// the province.
/// </summary>
[CityPartitionPlacement]
public sealed partial class CountyGrain(
    [PersistentState(StorageNames.CountyState, StorageNames.Plans)] IPersistentState<CountyState> state,
    [PersistentState(StorageNames.CountyWarningRegister, StorageNames.Plans)] IPersistentState<WarningRegisterState> register,
    PlanData data,
    TimeProvider time,
    IDataValueLedger ledger,
    IOptions<MonitoringOptions> monitoring,
    Domain.Loading.ValidationRuleSet validationRules,
    ILogger<CountyGrain> logger) : Grain, ICountyGrain, IPartitionedGrain, IRemindable
{
    private string _code = "";
    private OrgUnit _unit = null!;
    private bool _inFlight;
    private ICityGrain? _parent;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _code = GrainKeys.CodeOf(this.GetPrimaryKeyString());
        _unit = data.ReportingUnit(_code) ?? throw new InvalidOperationException($"{_code} is not a county-level unit");
        await LoadFiguresAsync();
        if (state.State.Pending is { } pending)
        {
            // The previous activation may have died between recording the batch and applying it everywhere.
            // Applying is idempotent, so finish it; tell the city afterwards (not from here: the city may be
            // activating and asking us for our contribution, which would wait for this activation).
            await ApplyAsync(pending);
            this.RegisterGrainTimer(AnnounceToParentAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }
        await EnsureDeadlineReminderAsync();
        await MoveLegacyRegisterAsync();
        ShareRegisterStrings();
        if (register.State.CheckedSequence != state.State.Sequence)
        {
            // The previous activation acknowledged a push whose warnings it had not evaluated yet: evaluate everything.
            MarkForWarningCheck(state.State.Indicators);
        }
        ServiceProvider.GetRequiredService<PartitionRebalancer>().Activated(this);
    }

    public async Task<ImportSummary> PushAsync(DataValueBatch batch)
    {
        var now = time.GetUtcNow();
        var errors = BatchValidation.Validate(data, _code, batch.Rows, now.Year);
        if (errors.Count > 0)
        {
            PlansMetrics.Pushes.Add(1, new KeyValuePair<string, object?>("result", "rejected"));
            return new ImportSummary(batch.BatchId, batch.DryRun, 0, 0, 0, [.. errors]);
        }
        var rows = batch.Rows.Select(Normalize).ToArray();
        if (LockedRows(rows) is { Count: > 0 } locked)
        {
            PlansMetrics.Pushes.Add(1, new KeyValuePair<string, object?>("result", "locked"));
            return new ImportSummary(batch.BatchId, batch.DryRun, 0, 0, 0, [.. locked], Locked: true);
        }
        if (batch.DryRun)
        {
            var preview = Preview(rows);
            PlansMetrics.Pushes.Add(1, new KeyValuePair<string, object?>("result", "dry-run"));
            return Summary(batch, preview);
        }

        _inFlight = true;
        try
        {
            state.State.Sequence++;
            state.State.Pending = new PendingBatch(batch.BatchId, batch.Principal, rows, now);
            state.State.Indicators.UnionWith(rows.Select(r => r.Indicator));
            state.State.Years.UnionWith(rows.Select(r => r.Year));
            state.State.LastPushAt = now;
            await state.WriteStateAsync();
            var recorded = time.GetTimestamp();

            var (outcomes, cells) = await ApplyAsync(state.State.Pending);
            await ParentGrain().ApplyChildCellsAsync(_code, Version, cells);
            PlansMetrics.RollupLag.Record(time.GetElapsedTime(recorded).TotalMilliseconds);
            MarkForWarningCheck(rows.Select(r => r.Indicator), rows.Select(r => r.Year));
            // Applied everywhere: forget the batch, so that a reactivation (e.g. every county at a cold start) does not
            // re-apply it and write its year rows again. One more row in a shared storage flush.
            state.State.Pending = null;
            await state.WriteStateAsync();
            var summary = Summary(batch, outcomes);
            PlansMetrics.Pushes.Add(1, new KeyValuePair<string, object?>("result", "accepted"));
            PlansMetrics.Values.Add(summary.Imported, new KeyValuePair<string, object?>("outcome", "imported"));
            PlansMetrics.Values.Add(summary.Updated, new KeyValuePair<string, object?>("outcome", "updated"));
            PlansMetrics.Values.Add(summary.Unchanged, new KeyValuePair<string, object?>("outcome", "unchanged"));
            return summary;
        }
        catch
        {
            PlansMetrics.Pushes.Add(1, new KeyValuePair<string, object?>("result", "failed"));
            // Whatever failed, the next activation re-reads the recorded state and finishes or forgets the batch.
            DeactivateOnIdle();
            throw;
        }
        finally
        {
            _inFlight = false;
        }
    }

    public Task<ContributionSnapshot> GetContributionAsync()
    {
        var version = _inFlight ? ContributionVersion.InFlight : Version;
        return Task.FromResult(new ContributionSnapshot(_code, version, [.. _figures.Values.SelectMany(f => f.Cells()), .. ApprovalContribution()]));
    }

    public Task MoveToOwnerAsync() => PartitionMoves.Start(this);

    public Task WakeAsync() => Task.CompletedTask;

    public Task<ContributionVersion> GetVersionAsync() => Task.FromResult(_inFlight ? ContributionVersion.InFlight : Version);

    public Task<RollupView> GetRollupAsync(int year) => Task.FromResult(Rollup(year));

    private RollupView Rollup(int year)
    {
        var cells = new List<RollupCell>();
        foreach (var figures in _figures.Values)
        {
            figures.AddCellsOf(year, cells);
        }
        var entries = new List<RollupEntry>(cells.Count);
        foreach (var cell in cells)
        {
            var indicator = data.Indicators[cell.Key.Indicator];
            var target = TargetEvaluation.ApplicableTarget(data.TargetsFor(_code, indicator.Code, cell.Key.Disaggregation), year);
            var (num, den) = (cell.Numerator, cell.Denominator);
            entries.Add(new RollupEntry(indicator.Code, cell.Key.Disaggregation, Aggregation.ValueOf(indicator, num, den),
                indicator.Kind == IndicatorKind.Count ? null : num, den, target, StatusOf(cell.Statuses), 1, 1, cell.Statuses, null));
        }
        var dataset = state.State.Datasets.GetValueOrDefault(year)?.State ?? "open";
        return new RollupView(_code, year, state.State.LastPushAt, [.. Order(entries)], ApprovalTally.Of(year, dataset));
    }

    public Task<AreaSummary[]> GetAreaSummaryAsync(int year)
    {
        var view = Rollup(year);
        var totals = view.Entries.Where(e => e.Disaggregation == Disaggregation.Total).ToDictionary(e => e.Indicator, StringComparer.Ordinal);
        // The indicators the county's plans set targets for, plus any other indicator with a figure.
        var planned = data.Plans.Where(p => p.County == _code).SelectMany(p => p.AllTargets).Select(t => t.Indicator).OfType<string>();
        var indicators = planned.Concat(totals.Keys).Distinct(StringComparer.Ordinal).Select(c => data.Indicators[c]);
        return Task.FromResult<AreaSummary[]>([.. indicators
            .GroupBy(i => (i.Plan, i.Area))
            .OrderBy(g => g.Key.Plan).ThenBy(g => PlanAreas.Of(g.Key.Plan).ToList().FindIndex(a => a.Code == g.Key.Area))
            .Select(g => new AreaSummary(PlanAreas.PlanCode(g.Key.Plan), g.Key.Area, g.Count(),
                g.Aggregate(StatusCounts.Zero, (acc, i) => acc.Add(StatusCounts.Of(totals.TryGetValue(i.Code, out var e) ? e.Status : TargetStatus.NoData)))))]);
    }

    private ContributionVersion Version => new(0, state.State.Sequence);

    private DataValueRow Normalize(DataValueRow row)
    {
        var indicator = data.Indicators[row.Indicator];
        var department = row.Department is null ? indicator.Department : data.ResolveDepartment(row.Department)!.Code;
        // Most rows name the department by its code already: keep the row rather than copy it (one object per value).
        return string.Equals(row.Department, department, StringComparison.Ordinal) ? row : row with { Department = department };
    }

    /// <summary>What applying the rows would do, judged exactly as <see cref="IndicatorFigures.Apply"/> judges it.</summary>
    private RowOutcome[] Preview(DataValueRow[] rows) =>
    [
        .. rows.Select(row => _figures.GetValueOrDefault(row.Indicator)?.Outcome(row, row.Department!) ?? RowOutcome.Imported),
    ];

    /// <summary>
    /// Applies a recorded batch to the figures and makes it durable everywhere: the year rows it changed, the ledger
    /// and the departments' reporting times. Idempotent (a batch replayed after a crash changes nothing twice).
    /// </summary>
    private async Task<(RowOutcome[] Outcomes, RollupCell[] Cells)> ApplyAsync(PendingBatch batch)
    {
        var outcomes = new RowOutcome[batch.Rows.Length];
        var groups = batch.Rows.Select((row, index) => (row, index)).GroupBy(x => x.row.Indicator, StringComparer.Ordinal).ToArray();
        var results = groups.Select(g => Figures(g.Key).Apply(batch.BatchId, [.. g.Select(x => x.row)], batch.ReportedAt)).ToArray();
        var changedYears = new HashSet<int>();
        var entries = new List<LedgerEntry>();
        for (var gi = 0; gi < groups.Length; gi++)
        {
            var members = groups[gi].ToArray();
            for (var i = 0; i < members.Length; i++)
            {
                outcomes[members[i].index] = results[gi].Outcomes[i];
                if (results[gi].FromThisBatch[i])
                {
                    var row = members[i].row;
                    changedYears.Add(row.Year);
                    entries.Add(new LedgerEntry(batch.BatchId, batch.Principal, batch.ReportedAt, _code, row.Indicator, row.Year, row.Disaggregation, results[gi].Previous[i], row));
                }
            }
        }
        // Both part of the acknowledgement: a push answers 2xx only after its figures (with their reporting departments
        // and times) and its ledger entries are stored. A year row carries the figures of every batch so far; on a
        // replay after a crash (rows re-applied as "from this batch") it is written again, which is harmless.
        await Task.WhenAll(WriteYearsAsync(changedYears), ledger.AppendAsync(entries));
        state.State.Departments.UnionWith(batch.Rows.Select(r => r.Department!));
        return (outcomes, [.. results.SelectMany(r => r.Cells)]);
    }

    private async Task AnnounceToParentAsync(CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = await GetContributionAsync();
            await ParentGrain().ReplaceChildAsync(snapshot);
        }
        catch (Exception e)
        {
            // The city's periodic reconciliation notices the version difference and re-reads us.
            logger.LogWarning(e, "County {County} could not announce its contribution after reactivation", _code);
        }
    }

    private ICityGrain ParentGrain() => _parent ??= GrainFactory.GetGrain<ICityGrain>(GrainKeys.OrgUnit(_unit.ParentCode!));

    private static ImportSummary Summary(DataValueBatch batch, RowOutcome[] outcomes) => new(
        batch.BatchId, batch.DryRun,
        outcomes.Count(o => o == RowOutcome.Imported), outcomes.Count(o => o == RowOutcome.Updated), outcomes.Count(o => o == RowOutcome.Unchanged), []);

    internal static TargetStatus StatusOf(StatusCounts counts) =>
        counts.Met > 0 ? TargetStatus.Met : counts.NotMet > 0 ? TargetStatus.NotMet : counts.NoTarget > 0 ? TargetStatus.NoTarget : TargetStatus.NoData;

    private IEnumerable<RollupEntry> Order(IEnumerable<RollupEntry> entries) =>
        entries.OrderBy(e => data.IndicatorOrder.GetValueOrDefault(e.Indicator, int.MaxValue)).ThenBy(e => e.Disaggregation, StringComparer.Ordinal);
}
