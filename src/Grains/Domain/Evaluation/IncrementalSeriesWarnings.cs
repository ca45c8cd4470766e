using OrleansPlans.Contracts;

namespace OrleansPlans.Domain.Evaluation;

/// <summary>
/// <see cref="SeriesWarnings.Detect"/> for one series that changes a year at a time, re-judging only what a change can
/// affect: a figure of year Y moves the rule checks of Y and the fluctuations of Y and later (each judged on data up to
/// its own year), and the projected miss (judged in the latest year). Earlier years keep their previous results.
/// </summary>
/// <remarks>
/// A county re-evaluates an indicator's warnings after every push; with the figures arriving year by year, a full
/// detection judged every year again each time (~13 % of a silo's CPU during a reporting deadline, docs/benchmarks.md).
/// The result is always equal to a full detection over the same figures (tests/Domain.Tests: random changes).
/// </remarks>
public sealed class IncrementalSeriesWarnings
{
    // One of these per county and indicator (~662,000 in a national silo), and most series raise no warning: nothing is
    // allocated for the years without warnings, and results are arrays (a shared empty one when there are none).
    private Dictionary<int, Warning[]>? _byYear;
    private Warning[] _projected = [];
    private Warning[]? _last;
    private int? _changedFrom;
    private bool _detected;

    /// <summary>Records that the figures of <paramref name="year"/> (any disaggregation) changed.</summary>
    public void Changed(int year)
    {
        _changedFrom = _changedFrom is { } from ? Math.Min(from, year) : year;
        _last = null;
    }

    public IReadOnlyList<Warning> Detect(
        string orgUnit,
        IndicatorDefinition indicator,
        IReadOnlyCollection<ReportedFigure> figures,
        Func<string, IReadOnlyList<TargetView>> targetsOf,
        int baselineYear,
        WarningOptions options) =>
        Detect(judgeYear => SeriesWarnings.Detect(orgUnit, indicator, figures, targetsOf, baselineYear, options, judgeYear));

    /// <summary>
    /// The same, with the detection given as a function of the years to judge (it must equal
    /// <see cref="SeriesWarnings.Detect"/> over the current figures with that filter); it is called only when something
    /// changed since the last answer, so a caller can build the figures inside it.
    /// </summary>
    public IReadOnlyList<Warning> Detect(Func<Func<int, bool>, IReadOnlyList<Warning>> detect)
    {
        if (_last is not null)
        {
            return _last;
        }
        var from = _detected ? _changedFrom ?? int.MaxValue : int.MinValue;
        var fresh = detect(year => year >= from);
        if (_byYear is not null)
        {
            foreach (var year in _byYear.Keys)
            {
                if (year >= from)
                {
                    _byYear.Remove(year); // allowed while enumerating since .NET Core 3.0
                }
            }
        }
        // Grouped in plain loops: most judgements find nothing, and a county judges after every push while a page is
        // open on it (docs/benchmarks.md, session 18).
        List<Warning>? projected = null;
        Dictionary<int, List<Warning>>? byYear = null;
        foreach (var w in fresh)
        {
            if (w.Kind == WarningKind.ProjectedMiss)
            {
                (projected ??= []).Add(w);
            }
            else
            {
                byYear ??= [];
                if (!byYear.TryGetValue(w.Year, out var ofYear))
                {
                    byYear[w.Year] = ofYear = [];
                }
                ofYear.Add(w);
            }
        }
        if (byYear is not null)
        {
            foreach (var (year, ofYear) in byYear)
            {
                (_byYear ??= [])[year] = [.. ofYear];
            }
        }
        if (_byYear is { Count: 0 })
        {
            _byYear = null;
        }
        _projected = projected is null ? [] : [.. projected];
        _changedFrom = null;
        _detected = true;
        _last = _byYear is null ? _projected : Concatenated(_projected, _byYear);
        return _last;
    }

    /// <summary>The projections, then every year's warnings by year.</summary>
    private static Warning[] Concatenated(Warning[] projected, Dictionary<int, Warning[]> byYear)
    {
        var years = new int[byYear.Count];
        byYear.Keys.CopyTo(years, 0);
        Array.Sort(years);
        var all = new List<Warning>(projected.Length + byYear.Count * 2);
        all.AddRange(projected);
        foreach (var year in years)
        {
            all.AddRange(byYear[year]);
        }
        return [.. all];
    }
}
