using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Placement;
using Orleans.Runtime;
using OrleansPlans.Domain.Evaluation;

namespace OrleansPlans.Counties;

/// <summary>
/// The county's monitoring duties: its early-warning register (raised and cleared by re-running detection after every
/// change and on a deadline reminder), reporting completeness, ratings, and the approval of its annual datasets.
/// </summary>
public sealed partial class CountyGrain
{
    private const string DeadlineReminder = "deadline-check";
    private const string MissingKind = "missingAfterDeadline";
    private IndicatorDefinition[]? _expected;
    /// <summary>Every year's missing reports are to be re-checked (activation; the clock moves deadlines past).</summary>
    private bool _missingAllDue = true;

    /// <summary>Years whose figures changed since their missing reports were checked (only they can change by a push).</summary>
    private readonly HashSet<int> _missingYearsDue = [];
    private readonly HashSet<string> _warningCheckDue = new(StringComparer.Ordinal);
    private IGrainTimer? _warningTimer;
    private DateTimeOffset _missingCheckedAt;

    /// <summary>
    /// The register changed in memory and is not written yet: a read brought it up to date (a reader never waits for a
    /// write of derived data), and the warning timer or the deactivation writes it.
    /// </summary>
    private bool _registerDirty;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == DeadlineReminder)
        {
            _registerDirty |= RefreshMissing(all: true);
            await WriteRegisterIfChangedAsync();
        }
    }

    public async Task<WarningPage> GetWarningsAsync(WarningFilter filter)
    {
        // A reader never sees a register behind an acknowledged push. The evaluation is written later, by the warning
        // timer (within MonitoringOptions.WarningDelay) or the deactivation: the register is derived from the figures,
        // which are durable, and a new activation re-evaluates whatever its stored CheckedSequence has not seen. Writing
        // it here made every read during a deadline a storage write (docs/benchmarks.md, session 16).
        EvaluateDueWarnings();
        // Missing reports depend on the clock as well as the figures: re-check every year once a minute, and the years a
        // push changed (the evaluation above has done those unless it had nothing else to do).
        var now = time.GetUtcNow();
        var all = _missingAllDue || now - _missingCheckedAt > TimeSpan.FromMinutes(1);
        if (all || _missingYearsDue.Count > 0)
        {
            _registerDirty |= RefreshMissing(all);
        }
        if (_registerDirty)
        {
            EnsureWarningTimer();
        }
        var matching = new List<WarningRecord>();
        foreach (var w in register.State.Warnings.Values)
        {
            if (Matches(w, filter))
            {
                matching.Add(w);
            }
        }
        return WarningPages.Of(matching, filter.Limit);
    }

    private bool Matches(WarningRecord w, WarningFilter filter)
    {
        var state = filter.State switch { "cleared" => !w.Active, "all" => true, _ => w.Active };
        if (!state || (filter.Kind is not null && w.Kind != filter.Kind) || (filter.Year is not null && w.Year != filter.Year)
            || (filter.Indicator is not null && w.Indicator != filter.Indicator) || (filter.Department is not null && w.Department != filter.Department))
        {
            return false;
        }
        if (filter.Plan is null && filter.Area is null)
        {
            return true;
        }
        return data.Indicators.TryGetValue(w.Indicator, out var indicator)
            && (filter.Plan is null || PlanAreas.PlanCode(indicator.Plan) == filter.Plan)
            && (filter.Area is null || indicator.Area == filter.Area);
    }

    public async Task<CompletenessView[]> GetCompletenessAsync(int year)
    {
        var now = time.GetUtcNow();
        var expected = ExpectedCells(year).ToArray();
        var reports = Reports();
        var report = Completeness.Compute(expected, reports, _ => null, now, monitoring.Value.ToWarningOptions().Deadline);
        CompletenessView View(string? department)
        {
            var c = report.Of(_code, year, department);
            return new CompletenessView(_code, year, department, c.Expected, c.Reported, c.OnTime, c.Late, c.Missing, c.Pending);
        }
        var departments = expected.Select(e => e.Department).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return [View(null), .. departments.Select(View)];
    }

    public Task<IndicatorEvaluation[]> GetEvaluationAsync(int year)
    {
        var indicators = ExpectedIndicators().Select(i => i.Code).Union(state.State.Indicators, StringComparer.Ordinal)
            .Where(i => data.Indicators[i].IsNumeric && data.TargetsFor(_code, i, Disaggregation.Total).Length > 0)
            .OrderBy(i => data.IndicatorOrder.GetValueOrDefault(i, int.MaxValue));
        return Task.FromResult<IndicatorEvaluation[]>([.. indicators.Select(i => FiguresOrEmpty(i).Evaluation(year))]);
    }

    public Task<DatasetApprovalView> GetDatasetAsync(int year) => Task.FromResult(DatasetView(year));

    public async Task<ApprovalOutcome> TransitionDatasetAsync(int year, ApprovalCommand command)
    {
        if (!Enum.TryParse<ApprovalAction>(command.Action, ignoreCase: true, out var action) || !Enum.TryParse<ApprovalRole>(command.Role, ignoreCase: true, out var role))
        {
            return new ApprovalOutcome(DatasetView(year), "badRequest", $"unknown action '{command.Action}' or role '{command.Role}'");
        }
        var record = state.State.Datasets.GetValueOrDefault(year) ?? new DatasetRecord();
        var current = Enum.Parse<ApprovalState>(record.State, ignoreCase: true);
        var now = time.GetUtcNow();
        var result = DatasetApproval.Transition(current, action, role,
            new ApprovalContext(command.Actor, now, command.Comment, command.AllCitiesApproved, command.ReturnToCounty));
        if (!result.Allowed)
        {
            return new ApprovalOutcome(DatasetView(year), Camel(result.Error!.Value), result.Message);
        }
        var audit = result.Audit!;
        var previous = record.State;
        record.State = Camel(result.State);
        record.History.Add(new ApprovalEvent(Camel(audit.From), Camel(audit.To), Camel(audit.Action), Camel(audit.Role), audit.Actor, audit.At, audit.Comment));
        state.State.Datasets[year] = record;
        // A version step like a data change, so the city takes the new tally through the same checked path.
        state.State.Sequence++;
        await state.WriteStateAsync();
        var cells = new List<RollupCell>();
        if (ApprovalCells.SentStates.Contains(previous))
        {
            cells.Add(ApprovalCells.Cell(year, previous, 0));
        }
        if (ApprovalCells.SentStates.Contains(record.State))
        {
            cells.Add(ApprovalCells.Cell(year, record.State, 1));
        }
        await ParentGrain().ApplyChildCellsAsync(_code, Version, [.. cells]);
        return new ApprovalOutcome(DatasetView(year), null, null);
    }

    private DatasetApprovalView DatasetView(int year)
    {
        var record = state.State.Datasets.GetValueOrDefault(year);
        var current = record?.State ?? "open";
        return new DatasetApprovalView(_code, year, current, current is "approvedByCity" or "approvedByProvince", [.. record?.History ?? []]);
    }

    private IEnumerable<RollupCell> ApprovalContribution() =>
        state.State.Datasets.Where(d => ApprovalCells.SentStates.Contains(d.Value.State)).Select(d => ApprovalCells.Cell(d.Key, d.Value.State, 1));

    /// <summary>Rows for a year whose dataset is approved (locked): each named, so the county knows what to un-approve.</summary>
    private List<RowError> LockedRows(DataValueRow[] rows)
    {
        var errors = new List<RowError>();
        for (var i = 0; i < rows.Length; i++)
        {
            if (state.State.Datasets.TryGetValue(rows[i].Year, out var d) && d.State is "approvedByCity" or "approvedByProvince")
            {
                errors.Add(new RowError(i, "year", $"the {rows[i].Year} dataset of {_code} is {d.State} and locked; it must be un-approved before figures change"));
            }
        }
        return errors;
    }

    /// <summary>
    /// Warnings are evaluated shortly after a push rather than inside it: the push path stays as fast as it was, and a
    /// county sending several years in a row has each indicator evaluated once, not once per year. A read of the warnings
    /// evaluates whatever is due first; the persisted <see cref="WarningRegisterState.CheckedSequence"/> makes a new
    /// activation catch up after a crash.
    /// </summary>
    private void MarkForWarningCheck(IEnumerable<string> indicators, IEnumerable<int>? years = null)
    {
        _warningCheckDue.UnionWith(indicators);
        if (years is null)
        {
            _missingAllDue = true;
        }
        else
        {
            _missingYearsDue.UnionWith(years);
        }
        if (_warningCheckDue.Count > 0)
        {
            EnsureWarningTimer();
        }
    }

    /// <summary>Evaluates what is due and writes a changed register, <see cref="MonitoringOptions.WarningDelay"/> from now.</summary>
    private void EnsureWarningTimer()
    {
        if (_warningTimer is null)
        {
            _warningTimer = this.RegisterGrainTimer(async _ =>
            {
                _warningTimer?.Dispose();
                _warningTimer = null;
                try
                {
                    await CheckDueWarningsAsync();
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "County {County} could not evaluate its warnings; will retry on the next push or read", _code);
                }
            }, new GrainTimerCreationOptions(monitoring.Value.WarningDelay, Timeout.InfiniteTimeSpan));
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ServiceProvider.GetRequiredService<PartitionRebalancer>().Deactivated(this);
        if ((_warningCheckDue.Count > 0 || _registerDirty) && reason.ReasonCode != DeactivationReasonCode.ApplicationError)
        {
            try
            {
                await CheckDueWarningsAsync();
            }
            catch (Exception e)
            {
                logger.LogInformation(e, "County {County} deactivates with warnings to evaluate; the next activation does it", _code);
            }
        }
        await PartitionMoves.HandOverAsync(this);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>
    /// Replaces the strings a register read from storage repeats in every record — kind, county, indicator, department and
    /// the wording of a missing report — with the silo's shared copies: a national silo holds ~800,000 records, most of
    /// them missing reports that differ only in their key.
    /// </summary>
    private void ShareRegisterStrings()
    {
        var warnings = register.State.Warnings;
        foreach (var (key, w) in warnings.ToArray())
        {
            var kind = Enum.TryParse<WarningKind>(w.Kind, ignoreCase: true, out var k) ? SeriesWarnings.KindName(k) : w.Kind;
            var orgUnit = w.OrgUnit == _code ? _code : w.OrgUnit;
            var indicator = data.Indicators.TryGetValue(w.Indicator, out var definition) ? definition.Code : w.Indicator;
            var department = w.Department is null ? null : string.Intern(w.Department);
            var message = kind == MissingKind ? string.Intern(w.Message) : w.Message;
            // Records already sharing every string (this activation raised them, or a previous pass did) stay as they are.
            if (!ReferenceEquals(kind, w.Kind) || !ReferenceEquals(orgUnit, w.OrgUnit) || !ReferenceEquals(indicator, w.Indicator)
                || !ReferenceEquals(department, w.Department) || !ReferenceEquals(message, w.Message))
            {
                warnings[key] = w with { Kind = kind, OrgUnit = orgUnit, Indicator = indicator, Department = department, Message = message };
            }
        }
    }

    /// <summary>Moves a register stored inside the county state (before it had its own) into its own state, once.</summary>
    private async Task MoveLegacyRegisterAsync()
    {
        if (state.State.Warnings.Count == 0 || register.State.Warnings.Count > 0)
        {
            return;
        }
        register.State.Warnings = new Dictionary<string, WarningRecord>(state.State.Warnings, StringComparer.Ordinal);
        register.State.CheckedSequence = state.State.WarningsCheckedSequence;
        await register.WriteStateAsync();
        state.State.Warnings.Clear();
        await state.WriteStateAsync();
    }

    private async Task CheckDueWarningsAsync()
    {
        EvaluateDueWarnings();
        await WriteRegisterIfChangedAsync();
    }

    private async Task WriteRegisterIfChangedAsync()
    {
        if (!_registerDirty)
        {
            return;
        }
        _registerDirty = false;
        try
        {
            await register.WriteStateAsync();
        }
        catch
        {
            _registerDirty = true;
            throw;
        }
    }

    /// <summary>Brings the register (in memory) up to date with every indicator changed since its last evaluation.</summary>
    private void EvaluateDueWarnings()
    {
        if (_warningCheckDue.Count == 0)
        {
            return;
        }
        var indicators = _warningCheckDue.ToArray();
        var sequence = state.State.Sequence;
        var options = monitoring.Value.ToWarningOptions();
        var detected = indicators.ToDictionary(i => i, i => FiguresOrEmpty(i).Warnings(options), StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var changed = UpdateWarnings(detected, now);
        changed |= UpdateCrossIndicatorRules(indicators, now);
        if (_missingAllDue || _missingYearsDue.Count > 0)
        {
            // While at it (in the background, after the push): so a reader later finds the register current.
            changed |= RefreshMissing(_missingAllDue);
        }
        _warningCheckDue.ExceptWith(indicators);
        if (changed || register.State.CheckedSequence != sequence)
        {
            register.State.CheckedSequence = _warningCheckDue.Count == 0 ? state.State.Sequence : register.State.CheckedSequence;
            _registerDirty = true;
        }
    }

    /// <summary>
    /// Replaces the non-deadline warnings of each indicator with what its grain detects now: new ones are raised, ones no
    /// longer detected clear, continuing ones keep their raise time. Returns whether the register changed.
    /// </summary>
    private bool UpdateWarnings(IReadOnlyDictionary<string, DetectedWarning[]> detectedByIndicator, DateTimeOffset now)
    {
        var changed = false;
        var activeByIndicator = register.State.Warnings.Values
            .Where(w => w.Active && w.Kind != MissingKind && !w.Rule.StartsWith(Domain.Loading.ValidationRuleSet.IdPrefix, StringComparison.Ordinal))
            .ToLookup(w => w.Indicator, StringComparer.Ordinal);
        foreach (var (indicator, detected) in detectedByIndicator)
        {
            var current = detected.ToDictionary(d => d.Key, StringComparer.Ordinal);
            changed |= Reconcile([.. activeByIndicator[indicator]], current, now);
        }
        return changed;
    }

    /// <summary>
    /// Re-checks the cross-indicator rules (data/validation-rules.yaml, e.g. neonatal ≤ infant mortality) that read an
    /// indicator the push touched, on every year and disaggregation where both sides have a figure.
    /// </summary>
    private bool UpdateCrossIndicatorRules(IEnumerable<string> touched, DateTimeOffset now)
    {
        var rules = touched.SelectMany(validationRules.Touching).Distinct().ToArray();
        if (rules.Length == 0)
        {
            return false;
        }
        var needed = rules.SelectMany(r => new[] { r.Left.Indicator, r.Right.Indicator }).Distinct(StringComparer.Ordinal)
            .Select(i => _figures.GetValueOrDefault(i)).OfType<IndicatorFigures>();
        var figures = needed.SelectMany(f => f.Cells().Select(cell => SeriesWarnings.FromParts(_code, f.Indicator, cell.Key, cell.Numerator, cell.Denominator))).ToList();
        var ids = rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var detected = figures.Select(f => f.Year).Distinct()
            .SelectMany(y => WarningDetector.RuleViolations(figures, rules, y))
            .Where(w => ids.Contains(w.Rule))
            .Select(SeriesWarnings.ToDetected)
            .ToDictionary(d => d.Key, StringComparer.Ordinal);
        var active = register.State.Warnings.Values.Where(w => w.Active && ids.Contains(w.Rule)).ToList();
        return Reconcile(active, detected, now);
    }

    /// <summary>
    /// Re-runs the missing-report rule for every year whose deadline has passed (<paramref name="all"/>), or for the
    /// years whose figures changed since they were last checked; a year's warnings depend only on its own figures.
    /// </summary>
    private bool RefreshMissing(bool all)
    {
        var now = time.GetUtcNow();
        var deadline = monitoring.Value.ToWarningOptions().Deadline;
        var only = all ? null : _missingYearsDue.ToHashSet();
        var years = Enumerable.Range(data.BaselineYear, Math.Max(0, now.Year - data.BaselineYear + 1))
            .Where(y => deadline.HasPassed(y, now) && (only is null || only.Contains(y))).ToArray();
        var active = register.State.Warnings.Values.Where(w => w.Active && w.Kind == MissingKind && (only is null || only.Contains(w.Year))).ToList();
        _missingYearsDue.Clear();
        if (all)
        {
            _missingAllDue = false;
            _missingCheckedAt = now;
        }
        if (years.Length == 0 && active.Count == 0)
        {
            return false;
        }
        var reports = Reports(only);
        var detected = years.SelectMany(y => WarningDetector.MissingReports(ExpectedCells(y), reports, y, now, deadline))
            .Select(SeriesWarnings.ToDetected)
            .ToDictionary(d => d.Key, StringComparer.Ordinal);
        return Reconcile(active, detected, now);
    }

    private bool Reconcile(List<WarningRecord> active, Dictionary<string, DetectedWarning> current, DateTimeOffset now)
    {
        var changed = false;
        foreach (var w in active.Where(w => !current.ContainsKey(w.Key)))
        {
            register.State.Warnings.Remove(w.Key);
            register.State.Warnings[$"{w.Key}@{w.RaisedAt.UtcTicks}"] = w with { ClearedAt = now };
            changed = true;
        }
        foreach (var d in current.Values)
        {
            var existing = register.State.Warnings.GetValueOrDefault(d.Key);
            if (existing is null)
            {
                register.State.Warnings[d.Key] = new WarningRecord(d.Kind, _code, d.Indicator, d.Year, d.Disaggregation, d.Rule, d.Department, d.Message, d.Numbers, now, null);
                changed = true;
            }
            else if (existing.Message != d.Message || !existing.Numbers.OrderBy(n => n.Key).SequenceEqual(d.Numbers.OrderBy(n => n.Key)))
            {
                register.State.Warnings[d.Key] = existing with { Message = d.Message, Numbers = d.Numbers, Department = d.Department };
                changed = true;
            }
        }
        if (changed)
        {
            TrimHistory();
        }
        return changed;
    }

    private void TrimHistory()
    {
        var cleared = register.State.Warnings.Where(kv => kv.Value.ClearedAt is not null).ToList();
        var excess = cleared.Count - monitoring.Value.ClearedWarningsKept;
        if (excess <= 0)
        {
            return;
        }
        foreach (var kv in cleared.OrderBy(kv => kv.Value.ClearedAt).Take(excess))
        {
            register.State.Warnings.Remove(kv.Key);
        }
    }

    /// <summary>The numeric indicators the county is expected to report: those with a target that applies to it.</summary>
    private IndicatorDefinition[] ExpectedIndicators() =>
        _expected ??= [.. data.IndicatorList.Where(i => i.IsNumeric && data.TargetsFor(_code, i.Code, Disaggregation.Total).Length > 0)];

    /// <summary>Expected cells of a year: within the plan's reporting period, from the baseline year on.</summary>
    private IEnumerable<ExpectedCell> ExpectedCells(int year) => ExpectedIndicators()
        .Where(i => year >= data.BaselineYear && year <= data.ReportingPeriod(_code, i.Plan).End)
        .Select(i => new ExpectedCell(_code, i.Code, year, i.Department));

    /// <summary>Each indicator and year with a figure, first reported when (timeliness is judged by the first report).</summary>
    private List<CellReport> Reports(IReadOnlySet<int>? years = null) =>
    [
        .. _figures.Values.SelectMany(f => f.FirstReports(years).Select(r => new CellReport(_code, f.Indicator.Code, r.Year, r.FirstReported))),
    ];

    public Task<DepartmentReport[]> GetDepartmentReportsAsync(string department) => Task.FromResult<DepartmentReport[]>(
    [
        .. _figures.Values.SelectMany(f => f.Reports()).Where(r => r.Department == department).Select(r => r.Report)
            .OrderBy(r => r.Year).ThenBy(r => r.Indicator, StringComparer.Ordinal),
    ]);

    private async Task EnsureDeadlineReminderAsync()
    {
        var period = monitoring.Value.DeadlineCheckPeriod < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : monitoring.Value.DeadlineCheckPeriod;
        try
        {
            // A reminder (not a timer): a deadline passes whether or not the county is active at the time.
            await this.RegisterOrUpdateReminder(DeadlineReminder, period, period);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "County {County} could not register its deadline reminder; missing reports are checked when warnings are read", _code);
        }
    }

    private static string Camel<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
