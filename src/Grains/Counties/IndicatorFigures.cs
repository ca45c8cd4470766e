using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Evaluation;

namespace OrleansPlans.Counties;

/// <summary>
/// The keys of an indicator's stored figures ("year|disaggregation"), interned: a county holds a few hundred distinct
/// keys across all its indicators, and a national silo millions of values, so every county shares one string per key
/// and parses it once.
/// </summary>
internal static class StoreKeys
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, string), (string Key, string Disaggregation)> Keys = new();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int Year, string Disaggregation)> Parsed = new(StringComparer.Ordinal);

    public static string Of(int year, string disaggregation) => Interned(year, disaggregation).Key;

    /// <summary>The key and the interned disaggregation code in one lookup (a push needs both for every row).</summary>
    public static (string Key, string Disaggregation) Interned(int year, string disaggregation) =>
        Keys.TryGetValue((year, disaggregation), out var entry) ? entry : Add(year, disaggregation);

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

    private static (string Key, string Disaggregation) Add(int year, string disaggregation)
    {
        // Disaggregation codes come from the catalogue (rows are validated against it), so the tables stay small.
        var interned = string.Intern(disaggregation);
        var entry = Keys.GetOrAdd((year, interned), static k => (string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{k.Item1}|{k.Item2}"), k.Item2));
        Parsed.TryAdd(entry.Key, (year, interned));
        return entry;
    }
}

/// <summary>
/// Each row's outcome; the figure each row replaced (null when new or unchanged); whether the stored figure now
/// comes from this batch (true also on a replay of a batch that was applied before a crash); and the cells to send up.
/// </summary>
public sealed record IndicatorApplyResult(RowOutcome[] Outcomes, RollupCell[] Cells, StoredValue?[] Previous, bool[] FromThisBatch);

/// <summary>
/// One indicator's figures at one county — its yearly series for every disaggregation, the values of record — with
/// their target statuses and early warnings. Held by the county (which applies, persists and rolls them up) and
/// rebuilt by the indicator grain from the county's figures to answer series and evaluation reads.
/// </summary>
public sealed class IndicatorFigures
{
    private readonly string _county;
    private readonly IndicatorDefinition _indicator;
    private readonly PlanData _data;

    /// <summary>Stored figures keyed by "year|disaggregation" (<see cref="StoreKeys"/>).</summary>
    private readonly Dictionary<string, StoredValue> _values = new(StringComparer.Ordinal);

    /// <summary>
    /// The status of every stored cell, derived from the values and targets; computed on first use and then kept
    /// current per disaggregation by <see cref="Apply"/> (the only writer of the values), so that a push re-evaluates
    /// the series it touched instead of every series.
    /// </summary>
    private Dictionary<CellKey, TargetStatus>? _statuses;

    /// <summary>
    /// The years and disaggregations that hold at least one figure (figures are replaced, never removed): the axes
    /// along which statuses are re-evaluated, looked up per key instead of scanning and grouping every figure.
    /// </summary>
    private readonly List<int> _years = [];
    private readonly HashSet<string> _disaggregations = new(StringComparer.Ordinal);

    /// <summary>Warning detection that re-judges only the years a push can affect.</summary>
    private readonly IncrementalSeriesWarnings _warnings = new();

    public IndicatorFigures(string county, IndicatorDefinition indicator, PlanData data)
    {
        _county = county;
        _indicator = indicator;
        _data = data;
    }

    public IndicatorDefinition Indicator => _indicator;

    public int Count => _values.Count;

    /// <summary>Loads a stored figure (activation, migration): no outcome, no cells.</summary>
    public void Load(int year, string disaggregation, StoredValue stored)
    {
        // Share the key and department strings read from storage with every other county (national memory).
        var (key, interned) = StoreKeys.Interned(year, disaggregation);
        _values[key] = stored with { Department = string.Intern(stored.Department) };
        Track(year, interned);
        _statuses = null;
        _warnings.Changed(year);
    }

    /// <summary>Every stored figure: year, disaggregation, value.</summary>
    public IEnumerable<(int Year, string Disaggregation, StoredValue Stored)> Figures() =>
        _values.Select(kv => { var (year, disaggregation) = StoreKeys.Parse(kv.Key); return (year, disaggregation, kv.Value); });

    /// <summary>The stored figures of one year, by disaggregation (what the county persists per year).</summary>
    public Dictionary<string, StoredValue> FiguresOf(int year)
    {
        var result = new Dictionary<string, StoredValue>(StringComparer.Ordinal);
        foreach (var (key, stored) in _values)
        {
            var (y, disaggregation) = StoreKeys.Parse(key);
            if (y == year)
            {
                result[disaggregation] = stored;
            }
        }
        return result;
    }

    public StoredValue? Find(int year, string disaggregation) => _values.GetValueOrDefault(StoreKeys.Of(year, disaggregation));

    /// <summary>Replaces the first-report time of every figure of a year with <paramref name="first"/> where earlier.</summary>
    public void ReportedFirstAt(int year, DateTimeOffset first)
    {
        foreach (var (key, stored) in _values.ToArray())
        {
            if (StoreKeys.Parse(key).Year == year && first < stored.FirstReported)
            {
                _values[key] = stored with { FirstReportedAt = first };
            }
        }
    }

    /// <summary>
    /// What each department reported of this indicator, per year: how many figures, when first and when last changed.
    /// </summary>
    public IEnumerable<(string Department, DepartmentReport Report)> Reports() => Figures()
        .GroupBy(f => (f.Stored.Department, f.Year))
        .Select(g => (g.Key.Department, new DepartmentReport(_indicator.Code, g.Key.Year, g.Count(),
            g.Max(f => f.Stored.ReportedAt), g.Min(f => f.Stored.FirstReported))));

    /// <summary>Applies validated rows of one batch; returns each row's outcome and the cells to send upward.</summary>
    public IndicatorApplyResult Apply(Guid batchId, IReadOnlyList<DataValueRow> rows, DateTimeOffset reportedAt)
    {
        var statuses = Statuses();
        var outcomes = new RowOutcome[rows.Count];
        var previous = new StoredValue?[rows.Count];
        var fromThisBatch = new bool[rows.Count];
        HashSet<string>? touched = null;
        // The cells to send up, keyed by the interned strings of StoreKeys (not the row's own copies, which the
        // parents would otherwise keep alive in their child cells).
        var keys = new HashSet<CellKey>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var (key, disaggregation) = StoreKeys.Interned(row.Year, row.Disaggregation);
            keys.Add(new CellKey(_indicator.Code, row.Year, disaggregation));
            var department = row.Department ?? _indicator.Department;
            if (_values.TryGetValue(key, out var existing))
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
            _values[key] = new StoredValue(row.Numerator, row.Denominator, row.Value, string.Intern(department), reportedAt, batchId,
                existing is null ? null : existing.FirstReported);
            if (existing is null)
            {
                Track(row.Year, disaggregation);
            }
            fromThisBatch[i] = true;
            (touched ??= new(StringComparer.Ordinal)).Add(disaggregation);
            _warnings.Changed(row.Year);
        }
        // Send every row's cell (re-sending is harmless: parents replace, never add) plus any other cell whose
        // status moved because a baseline changed. Statuses depend only on their own disaggregation's series and
        // targets, so only the touched series can move.
        if (touched is not null)
        {
            // Every stored cell of a touched series has a status (statuses cover every stored figure).
            var before = new List<KeyValuePair<CellKey, TargetStatus>>(touched.Count * _years.Count);
            foreach (var disaggregation in touched)
            {
                foreach (var year in _years)
                {
                    var k = new CellKey(_indicator.Code, year, disaggregation);
                    if (statuses.Remove(k, out var old))
                    {
                        before.Add(new(k, old));
                    }
                }
            }
            AddStatuses(statuses, touched);
            foreach (var (k, old) in before)
            {
                if (!statuses.TryGetValue(k, out var now) || now != old)
                {
                    keys.Add(k);
                }
            }
        }
        var cells = new List<RollupCell>(keys.Count);
        foreach (var k in keys)
        {
            if (Cell(k, statuses) is { } cell)
            {
                cells.Add(cell);
            }
        }
        return new IndicatorApplyResult(outcomes, [.. cells], previous, fromThisBatch);
    }

    public RollupCell[] Cells()
    {
        var statuses = Statuses();
        return [.. statuses.Keys.Select(k => Cell(k, statuses)).OfType<RollupCell>()];
    }

    /// <summary>The warnings the figures give rise to now (every year, every kind but missing reports).</summary>
    public DetectedWarning[] Warnings(WarningOptions options)
    {
        var figures = Figures()
            .Select(f => new ReportedFigure(_county, _indicator, f.Year, f.Disaggregation, f.Stored.Numerator, f.Stored.Denominator, f.Stored.Value, _indicator.Department))
            .ToArray();
        return [.. _warnings.Detect(_county, _indicator, figures, TargetsOf, _data.BaselineYear, options).Select(SeriesWarnings.ToDetected)];
    }

    public IndicatorSeriesView Series()
    {
        var statuses = Statuses();
        var series = new List<DisaggregatedSeries>();
        foreach (var group in Figures().GroupBy(f => f.Disaggregation).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var points = group
                .OrderBy(f => f.Year)
                .Select(f =>
                {
                    var (num, den) = Aggregation.Parts(_indicator, f.Stored.Numerator, f.Stored.Denominator, f.Stored.Value);
                    return new SeriesPoint(f.Year, Aggregation.ValueOf(_indicator, num, den), f.Stored.Numerator ?? (_indicator.Kind == IndicatorKind.Count ? null : num),
                        f.Stored.Denominator, statuses[new CellKey(_indicator.Code, f.Year, group.Key)], f.Stored.Department, f.Stored.ReportedAt, 1);
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
        var parts = Figures().Where(f => f.Disaggregation == Disaggregation.Total)
            .ToDictionary(f => f.Year, f => Aggregation.Parts(_indicator, f.Stored.Numerator, f.Stored.Denominator, f.Stored.Value));
        var evaluation = SeriesEvaluation.Evaluate(_indicator, parts, total.Targets, _data.BaselineYear);
        return new IndicatorSeriesView(_county, _indicator.Code, [.. series], latest?.Year, latest?.Value, latest?.Status ?? TargetStatus.NoData, evaluation);
    }

    /// <summary>The total series rated as of <paramref name="year"/>.</summary>
    public IndicatorEvaluation Evaluation(int year) => Evaluations.Of(_indicator, Series(), year, _data.BaselineYear);

    // Shared arrays from the plan data (national defaults, or a planning county's own targets), not a copy per indicator.
    private TargetView[] TargetsOf(string disaggregation) => _data.TargetsFor(_county, _indicator.Code, disaggregation);

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
        // One series at a time in one scratch map (the evaluation reads it and keeps nothing): a push re-evaluates
        // every series it touched, and a map per series per push was a tenth of the silo's allocation.
        var points = new Dictionary<int, decimal?>(_years.Count);
        foreach (var disaggregation in disaggregations ?? _disaggregations)
        {
            points.Clear();
            foreach (var year in _years)
            {
                if (_values.TryGetValue(StoreKeys.Of(year, disaggregation), out var stored))
                {
                    var (num, den) = Aggregation.Parts(_indicator, stored.Numerator, stored.Denominator, stored.Value);
                    points[year] = Aggregation.ValueOf(_indicator, num, den);
                }
            }
            if (points.Count == 0)
            {
                continue;
            }
            var targets = TargetsOf(disaggregation);
            foreach (var year in points.Keys)
            {
                result[new CellKey(_indicator.Code, year, disaggregation)] = TargetEvaluation.Evaluate(_indicator, targets, points, year, _data.BaselineYear);
            }
        }
    }

    /// <summary>Records a new figure's year and disaggregation (interned: the key's own strings).</summary>
    private void Track(int year, string disaggregation)
    {
        if (!_years.Contains(year))
        {
            _years.Add(year);
        }
        _disaggregations.Add(disaggregation);
    }

    private RollupCell? Cell(CellKey key, Dictionary<CellKey, TargetStatus> statuses) =>
        _values.TryGetValue(StoreKeys.Of(key.Year, key.Disaggregation), out var stored)
            ? Aggregation.LeafCell(_indicator, key, stored, statuses.GetValueOrDefault(key))
            : null;
}
