using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Evaluation;

namespace OrleansPlans.Counties;

[GenerateSerializer, Alias("plans.IndicatorSeriesState")]
public sealed class IndicatorSeriesState
{
    /// <summary>Stored figures keyed by "year|disaggregation".</summary>
    [Id(0)] public Dictionary<string, StoredValue> Values { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The keys of <see cref="IndicatorSeriesState.Values"/> ("year|disaggregation"), interned: a county holds a few
/// hundred distinct keys across all its indicators, and a national silo millions of values, so every grain shares one
/// string per key and parses it once.
/// </summary>
internal static class StoreKeys
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, string), string> Keys = new();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int Year, string Disaggregation)> Parsed = new(StringComparer.Ordinal);

    public static string Of(int year, string disaggregation) =>
        Keys.TryGetValue((year, disaggregation), out var key) ? key : Add(year, disaggregation);

    public static (int Year, string Disaggregation) Parse(string key)
    {
        if (Parsed.TryGetValue(key, out var parsed))
        {
            return parsed;
        }
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        var year = int.Parse(key.AsSpan(0, bar), System.Globalization.CultureInfo.InvariantCulture);
        Add(year, key[(bar + 1)..]);
        return Parsed[key];
    }

    private static string Add(int year, string disaggregation)
    {
        // Disaggregation codes come from the catalogue (rows are validated against it), so the tables stay small.
        var interned = string.Intern(disaggregation);
        var key = Keys.GetOrAdd((year, interned), static k => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{k.Item1}|{k.Item2}"));
        Parsed.TryAdd(key, (year, interned));
        return key;
    }
}

/// <summary>
/// One indicator at one county: its yearly series for every disaggregation (the values of record),
/// its targets and their evaluation.
/// </summary>
public sealed class IndicatorGrain(
    [PersistentState(StorageNames.IndicatorSeriesState, StorageNames.Plans)] IPersistentState<IndicatorSeriesState> state,
    PlanData data,
    Microsoft.Extensions.Options.IOptions<MonitoringOptions> monitoring) : Grain, IIndicatorGrain
{
    private string _county = "";
    private IndicatorDefinition _indicator = null!;

    /// <summary>
    /// The status of every stored cell, derived from the values and targets; computed once per activation and then
    /// kept current per disaggregation by <see cref="ApplyAsync"/> (the only writer of the values), so that a push
    /// re-evaluates the series it touched instead of every series twice.
    /// </summary>
    private Dictionary<CellKey, TargetStatus>? _statuses;

    /// <summary>Warning detection that re-judges only the years a push can affect (per activation, like the statuses).</summary>
    private readonly IncrementalSeriesWarnings _warnings = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        _county = GrainKeys.CodeOf(key);
        _indicator = data.Indicators[GrainKeys.LeafOf(key)];
        if (state.State.Values.Count > 0)
        {
            // Share the key and department strings read from storage with every other grain (national memory).
            state.State.Values = state.State.Values.ToDictionary(
                kv => { var (year, disaggregation) = StoreKeys.Parse(kv.Key); return StoreKeys.Of(year, disaggregation); },
                kv => kv.Value with { Department = string.Intern(kv.Value.Department) },
                StringComparer.Ordinal);
        }
        return Task.CompletedTask;
    }

    public async Task<IndicatorApplyResult> ApplyAsync(Guid batchId, DataValueRow[] rows, DateTimeOffset reportedAt)
    {
        var statuses = Statuses();
        var outcomes = new RowOutcome[rows.Length];
        var previous = new StoredValue?[rows.Length];
        var fromThisBatch = new bool[rows.Length];
        var touched = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            var key = StoreKeys.Of(row.Year, row.Disaggregation);
            var department = row.Department ?? _indicator.Department;
            if (state.State.Values.TryGetValue(key, out var existing))
            {
                if (existing.SameFigures(row, department))
                {
                    outcomes[i] = RowOutcome.Unchanged;
                    fromThisBatch[i] = existing.BatchId == batchId;
                    continue;
                }
                outcomes[i] = RowOutcome.Updated;
                previous[i] = existing;
            }
            else
            {
                outcomes[i] = RowOutcome.Imported;
            }
            state.State.Values[key] = new StoredValue(row.Numerator, row.Denominator, row.Value, department, reportedAt, batchId);
            fromThisBatch[i] = true;
            touched.Add(row.Disaggregation);
            _warnings.Changed(row.Year);
        }
        // Send every row's cell (re-sending is harmless: parents replace, never add) plus any other cell whose
        // status moved because a baseline changed. Statuses depend only on their own disaggregation's series and
        // targets, so only the touched series can move.
        var keys = rows.Select(r => new CellKey(_indicator.Code, r.Year, r.Disaggregation)).ToHashSet();
        if (touched.Count > 0)
        {
            var before = statuses.Where(kv => touched.Contains(kv.Key.Disaggregation)).ToArray();
            foreach (var (k, _) in before)
            {
                statuses.Remove(k);
            }
            AddStatuses(statuses, touched);
            foreach (var (k, old) in before)
            {
                if (!statuses.TryGetValue(k, out var now) || now != old)
                {
                    keys.Add(k);
                }
            }
            await state.WriteStateAsync();
        }
        var cells = keys.Select(k => Cell(k, statuses)).OfType<RollupCell>().ToArray();
        return new IndicatorApplyResult(outcomes, cells, previous, fromThisBatch);
    }

    public Task<DetectedWarning[]> GetWarningsAsync() => Task.FromResult(DetectWarnings());

    public async Task<IndicatorEvaluation> GetEvaluationAsync(int year)
    {
        var view = await GetSeriesAsync();
        return Evaluations.Of(_indicator, view, year, data.BaselineYear);
    }

    private DetectedWarning[] DetectWarnings()
    {
        var figures = state.State.Values.Select(kv =>
        {
            var (year, disaggregation) = StoreKeys.Parse(kv.Key);
            var v = kv.Value;
            return new ReportedFigure(_county, _indicator, year, disaggregation, v.Numerator, v.Denominator, v.Value, _indicator.Department);
        }).ToArray();
        return [.. _warnings.Detect(_county, _indicator, figures, TargetsOf, data.BaselineYear, monitoring.Value.ToWarningOptions()).Select(SeriesWarnings.ToDetected)];
    }

    public Task<RollupCell[]> GetCellsAsync()
    {
        var statuses = Statuses();
        return Task.FromResult(statuses.Keys.Select(k => Cell(k, statuses)).OfType<RollupCell>().ToArray());
    }

    public Task<IndicatorSeriesView> GetSeriesAsync()
    {
        var statuses = Statuses();
        var series = new List<DisaggregatedSeries>();
        foreach (var group in state.State.Values.GroupBy(kv => StoreKeys.Parse(kv.Key).Disaggregation).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var points = group
                .Select(kv => (Year: StoreKeys.Parse(kv.Key).Year, Stored: kv.Value))
                .OrderBy(p => p.Year)
                .Select(p =>
                {
                    var (num, den) = Aggregation.Parts(_indicator, p.Stored.Numerator, p.Stored.Denominator, p.Stored.Value);
                    return new SeriesPoint(p.Year, Aggregation.ValueOf(_indicator, num, den), p.Stored.Numerator ?? (_indicator.Kind == IndicatorKind.Count ? null : num),
                        p.Stored.Denominator, statuses[new CellKey(_indicator.Code, p.Year, group.Key)], p.Stored.Department, p.Stored.ReportedAt, 1);
                })
                .ToArray();
            series.Add(new DisaggregatedSeries(group.Key, points, TargetsOf(group.Key)));
        }
        if (series.All(s => s.Disaggregation != Disaggregation.Total))
        {
            series.Insert(0, new DisaggregatedSeries(Disaggregation.Total, [], TargetsOf(Disaggregation.Total)));
        }
        var total = series.First(s => s.Disaggregation == Disaggregation.Total);
        var latest = total.Points.LastOrDefault(p => p.Value is not null);
        var parts = state.State.Values.Where(kv => StoreKeys.Parse(kv.Key).Disaggregation == Disaggregation.Total)
            .ToDictionary(kv => StoreKeys.Parse(kv.Key).Year, kv => Aggregation.Parts(_indicator, kv.Value.Numerator, kv.Value.Denominator, kv.Value.Value));
        var evaluation = Domain.Evaluation.SeriesEvaluation.Evaluate(_indicator, parts, total.Targets, data.BaselineYear);
        return Task.FromResult(new IndicatorSeriesView(_county, _indicator.Code, [.. series], latest?.Year, latest?.Value, latest?.Status ?? TargetStatus.NoData, evaluation));
    }

    // Shared arrays from the plan data (national defaults, or a planning county's own targets), not a copy per grain.
    private TargetView[] TargetsOf(string disaggregation) => data.TargetsFor(_county, _indicator.Code, disaggregation);

    /// <summary>The status of every stored cell.</summary>
    private Dictionary<CellKey, TargetStatus> Statuses()
    {
        if (_statuses is null)
        {
            _statuses = [];
            AddStatuses(_statuses, null);
        }
        return _statuses;
    }

    /// <summary>Evaluates every stored cell of the given disaggregations (all when null) into <paramref name="result"/>.</summary>
    private void AddStatuses(Dictionary<CellKey, TargetStatus> result, IReadOnlySet<string>? disaggregations)
    {
        var series = new Dictionary<string, Dictionary<int, decimal?>>(StringComparer.Ordinal);
        foreach (var (key, stored) in state.State.Values)
        {
            var (year, disaggregation) = StoreKeys.Parse(key);
            if (disaggregations is not null && !disaggregations.Contains(disaggregation))
            {
                continue;
            }
            if (!series.TryGetValue(disaggregation, out var points))
            {
                series[disaggregation] = points = [];
            }
            var (num, den) = Aggregation.Parts(_indicator, stored.Numerator, stored.Denominator, stored.Value);
            points[year] = Aggregation.ValueOf(_indicator, num, den);
        }
        foreach (var (disaggregation, points) in series)
        {
            var targets = TargetsOf(disaggregation);
            foreach (var year in points.Keys)
            {
                result[new CellKey(_indicator.Code, year, disaggregation)] = TargetEvaluation.Evaluate(_indicator, targets, points, year, data.BaselineYear);
            }
        }
    }

    private RollupCell? Cell(CellKey key, Dictionary<CellKey, TargetStatus> statuses) =>
        state.State.Values.TryGetValue(StoreKeys.Of(key.Year, key.Disaggregation), out var stored)
            ? Aggregation.LeafCell(_indicator, key, stored, statuses.GetValueOrDefault(key))
            : null;

}
