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
    private readonly Dictionary<string, TargetView[]> _targets = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        _county = GrainKeys.CodeOf(key);
        _indicator = data.Indicators[GrainKeys.LeafOf(key)];
        return Task.CompletedTask;
    }

    public async Task<IndicatorApplyResult> ApplyAsync(Guid batchId, DataValueRow[] rows, DateTimeOffset reportedAt)
    {
        var before = Statuses();
        var outcomes = new RowOutcome[rows.Length];
        var previous = new StoredValue?[rows.Length];
        var fromThisBatch = new bool[rows.Length];
        var changed = false;
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            var key = StoreKey(row.Year, row.Disaggregation);
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
            changed = true;
        }
        if (changed)
        {
            await state.WriteStateAsync();
        }
        var after = Statuses();
        // Send every row's cell (re-sending is harmless: parents replace, never add) plus any other cell whose
        // status moved because a baseline changed.
        var keys = rows.Select(r => new CellKey(_indicator.Code, r.Year, r.Disaggregation)).ToHashSet();
        foreach (var (k, status) in after)
        {
            if (!before.TryGetValue(k, out var old) || old != status)
            {
                keys.Add(k);
            }
        }
        var cells = keys.Select(k => Cell(k, after)).OfType<RollupCell>().ToArray();
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
            var (year, disaggregation) = ParseKey(kv.Key);
            var v = kv.Value;
            return new ReportedFigure(_county, _indicator, year, disaggregation, v.Numerator, v.Denominator, v.Value, _indicator.Department);
        }).ToArray();
        return [.. SeriesWarnings.Detect(_county, _indicator, figures, TargetsOf, data.BaselineYear, monitoring.Value.ToWarningOptions()).Select(SeriesWarnings.ToDetected)];
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
        foreach (var group in state.State.Values.GroupBy(kv => ParseKey(kv.Key).Disaggregation).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var points = group
                .Select(kv => (Year: ParseKey(kv.Key).Year, Stored: kv.Value))
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
        var parts = state.State.Values.Where(kv => ParseKey(kv.Key).Disaggregation == Disaggregation.Total)
            .ToDictionary(kv => ParseKey(kv.Key).Year, kv => Aggregation.Parts(_indicator, kv.Value.Numerator, kv.Value.Denominator, kv.Value.Value));
        var evaluation = Domain.Evaluation.SeriesEvaluation.Evaluate(_indicator, parts, total.Targets, data.BaselineYear);
        return Task.FromResult(new IndicatorSeriesView(_county, _indicator.Code, [.. series], latest?.Year, latest?.Value, latest?.Status ?? TargetStatus.NoData, evaluation));
    }

    private TargetView[] TargetsOf(string disaggregation)
    {
        if (!_targets.TryGetValue(disaggregation, out var targets))
        {
            targets = data.TargetsFor(_county, _indicator.Code, disaggregation);
            _targets[disaggregation] = targets;
        }
        return targets;
    }

    /// <summary>The status of every stored cell.</summary>
    private Dictionary<CellKey, TargetStatus> Statuses()
    {
        var result = new Dictionary<CellKey, TargetStatus>();
        foreach (var group in state.State.Values.GroupBy(kv => ParseKey(kv.Key).Disaggregation))
        {
            var series = group.ToDictionary(kv => ParseKey(kv.Key).Year, kv =>
            {
                var (num, den) = Aggregation.Parts(_indicator, kv.Value.Numerator, kv.Value.Denominator, kv.Value.Value);
                return Aggregation.ValueOf(_indicator, num, den);
            });
            var targets = TargetsOf(group.Key);
            foreach (var year in series.Keys)
            {
                result[new CellKey(_indicator.Code, year, group.Key)] = TargetEvaluation.Evaluate(_indicator, targets, series, year, data.BaselineYear);
            }
        }
        return result;
    }

    private RollupCell? Cell(CellKey key, Dictionary<CellKey, TargetStatus> statuses) =>
        state.State.Values.TryGetValue(StoreKey(key.Year, key.Disaggregation), out var stored)
            ? Aggregation.LeafCell(_indicator, key, stored, statuses.GetValueOrDefault(key))
            : null;

    private static string StoreKey(int year, string disaggregation) => $"{year}|{disaggregation}";

    private static (int Year, string Disaggregation) ParseKey(string key)
    {
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        return (int.Parse(key.AsSpan(0, bar), System.Globalization.CultureInfo.InvariantCulture), key[(bar + 1)..]);
    }
}
