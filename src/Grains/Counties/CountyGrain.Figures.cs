using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using OrleansPlans.Contracts;

namespace OrleansPlans.Counties;

/// <summary>The figures of one county and one year: indicator → disaggregation → stored figure.</summary>
[GenerateSerializer, Alias("plans.CountyYearFigures")]
public sealed class CountyYearFigures
{
    [Id(0)] public Dictionary<string, Dictionary<string, StoredValue>> Indicators { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The county's figures — the values of record — and their persistence: held in memory per indicator
/// (<see cref="IndicatorFigures"/>) and stored as one row per year (<see cref="StorageNames.CountyFigures"/>), so that
/// a push writes one row per year it touches instead of one per indicator.
/// </summary>
/// <remarks>
/// Until session 8 every indicator was its own grain with its own row, and a county push of ~400 figures made ~230
/// grain calls and ~230 row writes (docs/benchmarks.md, "Session 8"). The rows are written through the silo's grain
/// storage under the county's own grain id with a state name per year (the storage is keyed by state name and grain
/// id), each with its own version (ETag), so a second activation writing behind this one's back is refused.
/// </remarks>
public sealed partial class CountyGrain
{
    private readonly Dictionary<string, IndicatorFigures> _figures = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string?> _yearVersions = [];
    private IGrainStorage? _storage;

    private IGrainStorage Storage => _storage ??= ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Plans);

    private IndicatorFigures Figures(string indicator)
    {
        if (!_figures.TryGetValue(indicator, out var figures))
        {
            _figures[indicator] = figures = new IndicatorFigures(_code, data.Indicators[indicator], data);
        }
        return figures;
    }

    /// <summary>An indicator's figures, or none (not added to the county).</summary>
    private IndicatorFigures FiguresOrEmpty(string indicator) =>
        _figures.TryGetValue(indicator, out var figures) ? figures : new IndicatorFigures(_code, data.Indicators[indicator], data);

    public Task<IndicatorFiguresSnapshot> GetFiguresAsync(string indicator, ContributionVersion? known)
    {
        var version = _inFlight ? ContributionVersion.InFlight : Version;
        if (known is not null && known == version && version != ContributionVersion.InFlight)
        {
            return Task.FromResult(new IndicatorFiguresSnapshot(version, null));
        }
        var figures = _figures.TryGetValue(indicator, out var f)
            ? f.Figures().Select(x => new StoredFigure(x.Year, x.Disaggregation, x.Stored)).ToArray()
            : [];
        return Task.FromResult(new IndicatorFiguresSnapshot(version, figures));
    }

    /// <summary>Reads the county's figures: its year rows, or (once) the per-indicator rows of the earlier layout.</summary>
    private async Task LoadFiguresAsync()
    {
        if (state.State.FiguresLayout == CountyState.FiguresByYear)
        {
            var years = state.State.Years.Order().ToArray();
            var rows = await Task.WhenAll(years.Select(async year =>
            {
                var row = new GrainState<CountyYearFigures>();
                await Storage.ReadStateAsync(StorageNames.CountyFigures(year), this.GetGrainId(), row);
                return (Year: year, Row: row);
            }));
            foreach (var (year, row) in rows)
            {
                _yearVersions[year] = row.ETag;
                foreach (var (indicator, byDisaggregation) in row.State?.Indicators ?? [])
                {
                    if (!data.Indicators.ContainsKey(indicator))
                    {
                        logger.LogWarning("County {County} holds figures of {Indicator}, which is not in the catalogue; ignored", _code, indicator);
                        continue;
                    }
                    var figures = Figures(indicator);
                    foreach (var (disaggregation, stored) in byDisaggregation)
                    {
                        figures.Load(year, disaggregation, stored);
                    }
                }
            }
            return;
        }
        if (state.State.Indicators.Count == 0)
        {
            // Nothing stored in the earlier layout: start in the current one (persisted with the first write).
            state.State.FiguresLayout = CountyState.FiguresByYear;
            return;
        }
        await MoveIndicatorRowsAsync();
    }

    /// <summary>
    /// Moves figures stored per indicator (<see cref="StorageNames.IndicatorSeriesState"/>) into year rows: read every
    /// indicator row (and the departments' first-report times), write the year rows, record the new layout, then clear
    /// the old indicator rows. A crash before the layout is recorded repeats the move from the untouched old rows;
    /// after it, old rows left behind are never read again.
    /// </summary>
    private async Task MoveIndicatorRowsAsync()
    {
        var legacy = await Task.WhenAll(state.State.Indicators.Where(data.Indicators.ContainsKey).Select(async indicator =>
        {
            var grainId = GrainFactory.GetGrain<IIndicatorGrain>(GrainKeys.Indicator(_code, indicator)).GetGrainId();
            var row = new GrainState<IndicatorSeriesState>();
            await Storage.ReadStateAsync(StorageNames.IndicatorSeriesState, grainId, row);
            return (Indicator: indicator, GrainId: grainId, Row: row);
        }));
        var years = new HashSet<int>();
        foreach (var (indicator, _, row) in legacy)
        {
            var figures = Figures(indicator);
            foreach (var (key, stored) in row.State?.Values ?? [])
            {
                var (year, disaggregation) = StoreKeys.Parse(key);
                figures.Load(year, disaggregation, stored);
                years.Add(year);
            }
        }
        // The first-report times were the department grains' (timeliness is judged by them); the figures carry them now.
        var departments = await Task.WhenAll(state.State.Departments.Select(async department =>
        {
            var row = new GrainState<DepartmentState>();
            await Storage.ReadStateAsync(StorageNames.DepartmentState, GrainFactory.GetGrain<IDepartmentGrain>(GrainKeys.Department(_code, department)).GetGrainId(), row);
            return row.State;
        }));
        foreach (var report in departments.OfType<DepartmentState>().SelectMany(d => d.Reports.Values))
        {
            if (_figures.TryGetValue(report.Indicator, out var figures))
            {
                figures.ReportedFirstAt(report.Year, report.FirstReportedAt ?? report.LastReportedAt);
            }
        }
        await WriteYearsAsync(years);
        state.State.Years.UnionWith(years);
        state.State.FiguresLayout = CountyState.FiguresByYear;
        await state.WriteStateAsync();
        logger.LogInformation("County {County} moved {Figures} figures of {Indicators} indicators into {Years} year rows",
            _code, _figures.Values.Sum(f => f.Count), legacy.Length, years.Count);
        try
        {
            await Task.WhenAll(legacy.Where(l => l.Row.RecordExists).Select(l => Storage.ClearStateAsync(StorageNames.IndicatorSeriesState, l.GrainId, l.Row)));
        }
        catch (Exception e)
        {
            // Harmless: the county no longer reads them.
            logger.LogWarning(e, "County {County} could not clear its old per-indicator rows", _code);
        }
    }

    /// <summary>Writes the year rows of <paramref name="years"/> (concurrently; the storage commits them together).</summary>
    private Task WriteYearsAsync(IEnumerable<int> years) => Task.WhenAll(years.Select(async year =>
    {
        var row = new CountyYearFigures();
        foreach (var (indicator, figures) in _figures)
        {
            if (figures.HasFiguresOf(year))
            {
                row.Indicators[indicator] = figures.FiguresOf(year);
            }
        }
        var grainState = new GrainState<CountyYearFigures>(row, _yearVersions.GetValueOrDefault(year));
        await Storage.WriteStateAsync(StorageNames.CountyFigures(year), this.GetGrainId(), grainState);
        _yearVersions[year] = grainState.ETag;
    }));
}
