using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Evaluation;

namespace OrleansPlans.Counties;

/// <summary>
/// Disaggregation codes interned once per silo: a national silo holds millions of figures under a few dozen codes, and
/// the figures, the cells sent up and the parents' child cells all share one string per code. Also parses the
/// "year|disaggregation" keys of the per-indicator rows stored before session 8.
/// </summary>
internal static class StoreKeys
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Codes = new(StringComparer.Ordinal);

    /// <summary>The silo's one copy of a disaggregation code (codes come from the catalogue: rows are validated against it).</summary>
    public static string Disaggregation(string code) => Codes.TryGetValue(code, out var interned) ? interned : Codes.GetOrAdd(code, string.Intern(code));

    /// <summary>A key of the per-indicator rows stored before session 8: "year|disaggregation".</summary>
    public static (int Year, string Disaggregation) Parse(string key)
    {
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        return (int.Parse(key.AsSpan(0, bar), System.Globalization.CultureInfo.InvariantCulture), Disaggregation(key[(bar + 1)..]));
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
/// <remarks>
/// A national silo holds one of these per county and catalogue indicator (2,854 × 232 ≈ 662,000) with ~8 figures each,
/// so the layout is compact: a short array of series (an indicator has a handful of disaggregations) holding each
/// year's figure inline (<see cref="Figure"/>, no object per figure) and its status. Until session 13 the figures,
/// statuses, years and disaggregations were four hash tables per indicator and a record per figure — about 1.3 KB of
/// overhead per indicator and 220 B per figure, half of a national silo's heap (docs/benchmarks.md, "Session 13").
/// </remarks>
public sealed class IndicatorFigures
{
    private readonly string _county;
    private readonly IndicatorDefinition _indicator;
    private readonly PlanData _data;

    /// <summary>One series per disaggregation that holds a figure, in the order they first appeared.</summary>
    private FigureSeries[] _series = [];

    private int _count;

    /// <summary>
    /// Whether every series' statuses are current. Computed on first use after loading, then kept current per series
    /// by <see cref="Apply"/> (the only writer of the figures), so that a push re-judges the series it touched only.
    /// </summary>
    private bool _statusesCurrent;

    /// <summary>Warning detection that re-judges only the years a push can affect.</summary>
    private readonly IncrementalSeriesWarnings _warnings = new();

    public IndicatorFigures(string county, IndicatorDefinition indicator, PlanData data)
    {
        _county = county;
        _indicator = indicator;
        _data = data;
    }

    public IndicatorDefinition Indicator => _indicator;

    public int Count => _count;

    /// <summary>Loads a stored figure (activation, migration): no outcome, no cells.</summary>
    public void Load(int year, string disaggregation, StoredValue stored)
    {
        // Share the disaggregation and department strings read from storage with every other county (national memory).
        var series = SeriesOf(StoreKeys.Disaggregation(disaggregation), create: true)!;
        ref var slot = ref series.Slot(year);
        if (!slot.Present)
        {
            _count++;
        }
        slot = new Figure(stored.Numerator, stored.Denominator, stored.Value, string.Intern(stored.Department), stored.ReportedAt, stored.BatchId, stored.FirstReportedAt);
        _statusesCurrent = false;
        _warnings.Changed(year);
    }

    /// <summary>Every stored figure: year, disaggregation, value.</summary>
    public IEnumerable<(int Year, string Disaggregation, StoredValue Stored)> Figures() =>
        Held().Select(f => (f.Year, f.Disaggregation, f.Figure.ToStored()));

    /// <summary>The stored figures of one year, by disaggregation (what the county persists per year).</summary>
    public Dictionary<string, StoredValue> FiguresOf(int year)
    {
        var result = new Dictionary<string, StoredValue>(StringComparer.Ordinal);
        foreach (var series in _series)
        {
            if (series.Get(year) is { Present: true } figure)
            {
                result[series.Disaggregation] = figure.ToStored();
            }
        }
        return result;
    }

    /// <summary>Whether any figure of <paramref name="year"/> is stored (the year rows a county writes).</summary>
    public bool HasFiguresOf(int year)
    {
        foreach (var series in _series)
        {
            if (series.Get(year).Present)
            {
                return true;
            }
        }
        return false;
    }

    public StoredValue? Find(int year, string disaggregation) =>
        SeriesOf(disaggregation, create: false)?.Get(year) is { Present: true } figure ? figure.ToStored() : null;

    /// <summary>What applying <paramref name="row"/> would do, judged as <see cref="Apply"/> judges it.</summary>
    public RowOutcome Outcome(DataValueRow row, string department) =>
        SeriesOf(row.Disaggregation, create: false)?.Get(row.Year) is not { Present: true } figure ? RowOutcome.Imported
        : figure.SameFigures(row, department) ? RowOutcome.Unchanged : RowOutcome.Updated;

    /// <summary>Replaces the first-report time of every figure of a year with <paramref name="first"/> where earlier.</summary>
    public void ReportedFirstAt(int year, DateTimeOffset first)
    {
        foreach (var series in _series)
        {
            if (series.Get(year) is { Present: true } figure && first < figure.FirstReported)
            {
                series.Slot(year) = figure.WithFirstReported(first);
            }
        }
    }

    /// <summary>
    /// What each department reported of this indicator, per year: how many figures, when first and when last changed.
    /// </summary>
    public IEnumerable<(string Department, DepartmentReport Report)> Reports() => Held()
        .GroupBy(f => (f.Figure.Department, f.Year))
        .Select(g => (g.Key.Department, new DepartmentReport(_indicator.Code, g.Key.Year, g.Count(),
            g.Max(f => f.Figure.ReportedAt), g.Min(f => f.Figure.FirstReported))));

    /// <summary>Each year with a figure (of <paramref name="years"/>, or all) and when a figure of it was first reported.</summary>
    public IEnumerable<(int Year, DateTimeOffset FirstReported)> FirstReports(IReadOnlySet<int>? years)
    {
        // Per year across the series (a handful), without building a record per figure: the missing-report check runs
        // this over every indicator of a county after each push.
        var first = new List<(int Year, DateTimeOffset FirstReported)>();
        foreach (var series in _series)
        {
            for (var i = 0; i < series.Values.Length; i++)
            {
                var year = series.FirstYear + i;
                if (!series.Values[i].Present || (years is not null && !years.Contains(year)))
                {
                    continue;
                }
                var at = series.Values[i].FirstReported;
                var k = first.Count - 1;
                while (k >= 0 && first[k].Year != year)
                {
                    k--;
                }
                if (k < 0)
                {
                    first.Add((year, at));
                }
                else if (at < first[k].FirstReported)
                {
                    first[k] = (year, at);
                }
            }
        }
        return first;
    }

    /// <summary>Applies validated rows of one batch; returns each row's outcome and the cells to send upward.</summary>
    public IndicatorApplyResult Apply(Guid batchId, IReadOnlyList<DataValueRow> rows, DateTimeOffset reportedAt)
    {
        EnsureStatuses();
        var outcomes = new RowOutcome[rows.Count];
        var previous = new StoredValue?[rows.Count];
        var fromThisBatch = new bool[rows.Count];
        List<(FigureSeries Series, int FirstYear, TargetStatus[] Before)>? touched = null;
        // The cells to send up, keyed by the interned disaggregation (not the row's own copy, which the parents would
        // otherwise keep alive in their child cells).
        var keys = new List<CellKey>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var disaggregation = StoreKeys.Disaggregation(row.Disaggregation);
            AddOnce(keys, new CellKey(_indicator.Code, row.Year, disaggregation));
            var department = row.Department ?? _indicator.Department;
            var series = SeriesOf(disaggregation, create: true)!;
            var existing = series.Get(row.Year);
            if (existing.Present)
            {
                if (existing.SameFigures(row, department))
                {
                    outcomes[i] = RowOutcome.Unchanged;
                    fromThisBatch[i] = existing.BatchId == batchId;
                    continue;
                }
                outcomes[i] = RowOutcome.Updated;
                previous[i] = existing.ToStored();
            }
            else
            {
                outcomes[i] = RowOutcome.Imported;
                _count++;
            }
            if (!Contains(touched, series))
            {
                // The statuses before this push, to find the cells whose status moved with it.
                (touched ??= []).Add((series, series.FirstYear, series.Statuses));
            }
            series.Slot(row.Year) = new Figure(row.Numerator, row.Denominator, row.Value, string.Intern(department), reportedAt, batchId,
                existing.Present ? existing.FirstReported : null);
            fromThisBatch[i] = true;
            _warnings.Changed(row.Year);
        }
        // Send every row's cell (re-sending is harmless: parents replace, never add) plus any other cell whose status
        // moved because a baseline changed. Statuses depend only on their own series and targets, so only the touched
        // series can move.
        if (touched is not null)
        {
            var points = Points();
            foreach (var (series, firstYear, before) in touched)
            {
                Judge(series, points);
                for (var i = 0; i < before.Length; i++)
                {
                    var year = firstYear + i;
                    if (series.Get(year).Present && series.StatusOf(year) != before[i])
                    {
                        AddOnce(keys, new CellKey(_indicator.Code, year, series.Disaggregation));
                    }
                }
            }
        }
        var cells = new List<RollupCell>(keys.Count);
        foreach (var k in keys)
        {
            if (Cell(k) is { } cell)
            {
                cells.Add(cell);
            }
        }
        return new IndicatorApplyResult(outcomes, [.. cells], previous, fromThisBatch);
    }

    /// <summary>Adds a cell once (a push touches a few cells per indicator: a scan beats hashing them).</summary>
    private static void AddOnce(List<CellKey> keys, CellKey key)
    {
        if (!keys.Contains(key))
        {
            keys.Add(key);
        }
    }

    /// <summary>
    /// A scratch map of one series' values by year, one per thread: filled and read within one synchronous call, and
    /// a new map per push and indicator was ~4 % of a silo's allocation during an ingest.
    /// </summary>
    private static Dictionary<int, decimal?> Points() => t_points ??= [];

    [ThreadStatic]
    private static Dictionary<int, decimal?>? t_points;

    private static bool Contains(List<(FigureSeries Series, int FirstYear, TargetStatus[] Before)>? touched, FigureSeries series)
    {
        foreach (var t in touched ?? [])
        {
            if (ReferenceEquals(t.Series, series))
            {
                return true;
            }
        }
        return false;
    }

    public RollupCell[] Cells()
    {
        EnsureStatuses();
        var cells = new List<RollupCell>(_count);
        foreach (var series in _series)
        {
            for (var i = 0; i < series.Values.Length; i++)
            {
                if (series.Values[i].Present)
                {
                    cells.Add(LeafCell(new CellKey(_indicator.Code, series.FirstYear + i, series.Disaggregation), series.Values[i], series.Statuses[i]));
                }
            }
        }
        return [.. cells];
    }

    /// <summary>
    /// Adds the cells of one year to <paramref name="cells"/>, in the order <see cref="Cells"/> gives them: a county's
    /// roll-up of a year (read on every reload of its page) built every year's cells and kept one.
    /// </summary>
    public void AddCellsOf(int year, List<RollupCell> cells)
    {
        EnsureStatuses();
        foreach (var series in _series)
        {
            var i = year - series.FirstYear;
            if ((uint)i < (uint)series.Values.Length && series.Values[i].Present)
            {
                cells.Add(LeafCell(new CellKey(_indicator.Code, year, series.Disaggregation), series.Values[i], series.Statuses[i]));
            }
        }
    }

    /// <summary>The warnings the figures give rise to now (every year, every kind but missing reports).</summary>
    public DetectedWarning[] Warnings(WarningOptions options)
    {
        var warnings = _warnings.Detect(judgeYear => Judge(judgeYear, options));
        if (warnings.Count == 0)
        {
            return [];
        }
        var detected = new DetectedWarning[warnings.Count];
        for (var i = 0; i < detected.Length; i++)
        {
            detected[i] = SeriesWarnings.ToDetected(warnings[i]);
        }
        return detected;
    }

    /// <summary>
    /// <see cref="SeriesWarnings.Detect"/> over the held figures, built straight from the series: a figure object for
    /// each year of the total and of series with targets, and for the judged years of the others (the rule checks'),
    /// rather than for every figure held (~5 KB and ~1 µs per indicator and push, docs/benchmarks.md, session 17).
    /// </summary>
    private List<Warning> Judge(Func<int, bool> judgeYear, WarningOptions options)
    {
        var years = new List<int>(8);
        var groups = new List<SeriesWarnings.SeriesFigures>(_series.Length);
        foreach (var series in _series)
        {
            // Only the total and series with targets are judged as series; the others are read by the rule checks
            // alone, through FiguresOfYear.
            var targets = TargetsOf(series.Disaggregation);
            var read = targets.Length > 0 || series.Disaggregation == Disaggregation.Total;
            var figures = read ? new List<ReportedFigure>(series.Values.Length) : null;
            for (var i = 0; i < series.Values.Length; i++)
            {
                if (!series.Values[i].Present)
                {
                    continue;
                }
                var year = series.FirstYear + i;
                if (!years.Contains(year))
                {
                    years.Add(year);
                }
                figures?.Add(Reported(series, i));
            }
            if (figures is { Count: > 0 })
            {
                groups.Add(new SeriesWarnings.SeriesFigures(series.Disaggregation, targets, figures));
            }
        }
        years.Sort();
        return SeriesWarnings.Judge(_county, _indicator, groups, years, years.FindAll(y => judgeYear(y)), FiguresOfYear, _data.BaselineYear, options);
    }

    /// <summary>Every figure of a year, in the series' order (the order <see cref="Held"/> gives them in).</summary>
    private List<ReportedFigure> FiguresOfYear(int year)
    {
        var figures = new List<ReportedFigure>(_series.Length);
        foreach (var series in _series)
        {
            var i = year - series.FirstYear;
            if ((uint)i < (uint)series.Values.Length && series.Values[i].Present)
            {
                figures.Add(Reported(series, i));
            }
        }
        return figures;
    }

    private ReportedFigure Reported(FigureSeries series, int i)
    {
        ref readonly var figure = ref series.Values[i];
        return new ReportedFigure(_county, _indicator, series.FirstYear + i, series.Disaggregation, figure.Numerator, figure.Denominator, figure.Value, _indicator.Department);
    }

    public IndicatorSeriesView Series()
    {
        EnsureStatuses();
        var series = new List<DisaggregatedSeries>();
        var parts = new Dictionary<int, (decimal Numerator, decimal? Denominator)>();
        foreach (var s in _series.OrderBy(s => s.Disaggregation, StringComparer.Ordinal))
        {
            var points = new List<SeriesPoint>();
            for (var i = 0; i < s.Values.Length; i++)
            {
                if (!s.Values[i].Present)
                {
                    continue;
                }
                var figure = s.Values[i];
                var (num, den) = Aggregation.Parts(_indicator, figure.Numerator, figure.Denominator, figure.Value);
                points.Add(new SeriesPoint(s.FirstYear + i, Aggregation.ValueOf(_indicator, num, den), figure.Numerator ?? (_indicator.Kind == IndicatorKind.Count ? null : num),
                    figure.Denominator, s.Statuses[i], figure.Department, figure.ReportedAt, 1));
                if (s.Disaggregation == Disaggregation.Total)
                {
                    parts[s.FirstYear + i] = (num, den);
                }
            }
            if (points.Count > 0)
            {
                series.Add(new DisaggregatedSeries(s.Disaggregation, [.. points], TargetsOf(s.Disaggregation)));
            }
        }
        if (series.All(s => s.Disaggregation != Disaggregation.Total))
        {
            series.Insert(0, new DisaggregatedSeries(Disaggregation.Total, [], TargetsOf(Disaggregation.Total)));
        }
        var total = series.First(s => s.Disaggregation == Disaggregation.Total);
        var latest = total.Points.LastOrDefault(p => p.Value is not null);
        var evaluation = SeriesEvaluation.Evaluate(_indicator, parts, total.Targets, _data.BaselineYear);
        return new IndicatorSeriesView(_county, _indicator.Code, [.. series], latest?.Year, latest?.Value, latest?.Status ?? TargetStatus.NoData, evaluation);
    }

    /// <summary>The total series rated as of <paramref name="year"/>.</summary>
    public IndicatorEvaluation Evaluation(int year) => Evaluations.Of(_indicator, Series(), year, _data.BaselineYear);

    // Shared arrays from the plan data (national defaults, or a planning county's own targets), not a copy per indicator.
    private TargetView[] TargetsOf(string disaggregation) => _data.TargetsFor(_county, _indicator.Code, disaggregation);

    /// <summary>Every held figure with its year and disaggregation.</summary>
    private IEnumerable<(int Year, string Disaggregation, Figure Figure)> Held()
    {
        foreach (var series in _series)
        {
            for (var i = 0; i < series.Values.Length; i++)
            {
                if (series.Values[i].Present)
                {
                    yield return (series.FirstYear + i, series.Disaggregation, series.Values[i]);
                }
            }
        }
    }

    /// <summary>The series of a disaggregation (few per indicator: a scan, by reference first since codes are interned).</summary>
    private FigureSeries? SeriesOf(string disaggregation, bool create)
    {
        foreach (var series in _series)
        {
            if (ReferenceEquals(series.Disaggregation, disaggregation) || series.Disaggregation == disaggregation)
            {
                return series;
            }
        }
        if (!create)
        {
            return null;
        }
        var added = new FigureSeries(disaggregation);
        _series = [.. _series, added];
        return added;
    }

    /// <summary>Judges every series after a load (the statuses are kept current by <see cref="Apply"/> from then on).</summary>
    private void EnsureStatuses()
    {
        if (_statusesCurrent)
        {
            return;
        }
        var points = Points();
        foreach (var series in _series)
        {
            Judge(series, points);
        }
        _statusesCurrent = true;
    }

    /// <summary>Evaluates every figure of a series against its targets (each status depends on the series up to its year).</summary>
    private void Judge(FigureSeries series, Dictionary<int, decimal?> points)
    {
        points.Clear();
        for (var i = 0; i < series.Values.Length; i++)
        {
            ref readonly var figure = ref series.Values[i];
            if (figure.Present)
            {
                var (num, den) = Aggregation.Parts(_indicator, figure.Numerator, figure.Denominator, figure.Value);
                points[series.FirstYear + i] = Aggregation.ValueOf(_indicator, num, den);
            }
        }
        // A new array, not the old one updated: Apply compares the old one with it.
        var statuses = new TargetStatus[series.Values.Length];
        if (points.Count > 0)
        {
            var targets = TargetsOf(series.Disaggregation);
            for (var i = 0; i < statuses.Length; i++)
            {
                if (series.Values[i].Present)
                {
                    statuses[i] = TargetEvaluation.Evaluate(_indicator, targets, points, series.FirstYear + i, _data.BaselineYear);
                }
            }
        }
        series.Statuses = statuses;
    }

    private RollupCell? Cell(CellKey key) =>
        SeriesOf(key.Disaggregation, create: false) is { } series && series.Get(key.Year) is { Present: true } figure
            ? LeafCell(key, figure, series.StatusOf(key.Year))
            : null;

    private RollupCell LeafCell(CellKey key, in Figure figure, TargetStatus status) =>
        Aggregation.LeafCell(_indicator, key, figure.Numerator, figure.Denominator, figure.Value, status);

    /// <summary>One disaggregation's figures and their statuses, by year from <see cref="FirstYear"/>.</summary>
    private sealed class FigureSeries(string disaggregation)
    {
        public string Disaggregation { get; } = disaggregation;

        public int FirstYear { get; private set; }

        /// <summary>The figure of each year from <see cref="FirstYear"/> on (not <see cref="Figure.Present"/>: none).</summary>
        public Figure[] Values { get; private set; } = [];

        /// <summary>The status of each figure in <see cref="Values"/> (same index), as last judged.</summary>
        public TargetStatus[] Statuses { get; set; } = [];

        public Figure Get(int year)
        {
            var i = year - FirstYear;
            return (uint)i < (uint)Values.Length ? Values[i] : default;
        }

        public TargetStatus StatusOf(int year)
        {
            var i = year - FirstYear;
            return (uint)i < (uint)Statuses.Length ? Statuses[i] : TargetStatus.NoData;
        }

        /// <summary>The slot of a year, the arrays widened to hold it (years are few and arrive in order, mostly).</summary>
        public ref Figure Slot(int year)
        {
            if (Values.Length == 0)
            {
                FirstYear = year;
                Values = new Figure[1];
                Statuses = new TargetStatus[1];
            }
            else if (year < FirstYear)
            {
                Values = Widen(Values, FirstYear - year, Values.Length + FirstYear - year);
                Statuses = Widen(Statuses, FirstYear - year, Values.Length);
                FirstYear = year;
            }
            else if (year - FirstYear >= Values.Length)
            {
                Values = Widen(Values, 0, year - FirstYear + 1);
                Statuses = Widen(Statuses, 0, Values.Length);
            }
            return ref Values[year - FirstYear];
        }

        private static T[] Widen<T>(T[] array, int offset, int length)
        {
            var wider = new T[length];
            Array.Copy(array, 0, wider, offset, array.Length);
            return wider;
        }
    }

    /// <summary>
    /// A stored figure held inline in its series (a <see cref="StoredValue"/> without the object): 96 bytes in the array
    /// instead of an 8-byte reference to a 152-byte record. Converted to and from <see cref="StoredValue"/> exactly (times
    /// keep their offsets) where the figures leave the county: year rows, the ledger's previous values, snapshots.
    /// </summary>
    private readonly struct Figure
    {
        private const byte HasNumerator = 1, HasDenominator = 2, HasValue = 4, IsPresent = 8, HasFirstReported = 16;

        private readonly decimal _numerator;
        private readonly decimal _denominator;
        private readonly decimal _value;
        private readonly long _reportedAtUtcTicks;
        private readonly long _firstReportedAtUtcTicks;
        private readonly short _reportedAtOffsetMinutes;
        private readonly short _firstReportedAtOffsetMinutes;
        private readonly byte _flags;

        public Figure(decimal? numerator, decimal? denominator, decimal? value, string department, DateTimeOffset reportedAt, Guid batchId, DateTimeOffset? firstReportedAt)
        {
            _flags = (byte)(IsPresent | (numerator is null ? 0 : HasNumerator) | (denominator is null ? 0 : HasDenominator) | (value is null ? 0 : HasValue)
                | (firstReportedAt is null ? 0 : HasFirstReported));
            _numerator = numerator.GetValueOrDefault();
            _denominator = denominator.GetValueOrDefault();
            _value = value.GetValueOrDefault();
            Department = department;
            BatchId = batchId;
            _reportedAtUtcTicks = reportedAt.UtcTicks;
            _reportedAtOffsetMinutes = (short)reportedAt.TotalOffsetMinutes;
            if (firstReportedAt is { } first)
            {
                _firstReportedAtUtcTicks = first.UtcTicks;
                _firstReportedAtOffsetMinutes = (short)first.TotalOffsetMinutes;
            }
        }

        public bool Present => (_flags & IsPresent) != 0;

        public decimal? Numerator => (_flags & HasNumerator) != 0 ? _numerator : null;

        public decimal? Denominator => (_flags & HasDenominator) != 0 ? _denominator : null;

        public decimal? Value => (_flags & HasValue) != 0 ? _value : null;

        public string Department { get; }

        public Guid BatchId { get; }

        public DateTimeOffset ReportedAt => At(_reportedAtUtcTicks, _reportedAtOffsetMinutes);

        public DateTimeOffset? FirstReportedAt => (_flags & HasFirstReported) != 0 ? At(_firstReportedAtUtcTicks, _firstReportedAtOffsetMinutes) : null;

        /// <summary>As <see cref="StoredValue.FirstReported"/>: the first report, or this one when it is earlier.</summary>
        public DateTimeOffset FirstReported => FirstReportedAt is { } first && first < ReportedAt ? first : ReportedAt;

        /// <summary>As <see cref="StoredValue.SameFigures"/>: the figures (not the provenance) are the same.</summary>
        public bool SameFigures(DataValueRow row, string department) =>
            Numerator == row.Numerator && Denominator == row.Denominator && Value == row.Value && Department == department;

        public Figure WithFirstReported(DateTimeOffset first) => new(Numerator, Denominator, Value, Department, ReportedAt, BatchId, first);

        public StoredValue ToStored() => new(Numerator, Denominator, Value, Department, ReportedAt, BatchId, FirstReportedAt);

        private static DateTimeOffset At(long utcTicks, short offsetMinutes) =>
            new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));
    }
}
