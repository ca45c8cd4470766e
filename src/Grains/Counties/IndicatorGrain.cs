using OrleansPlans.Placement;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Counties;

/// <summary>
/// How an indicator's figures were stored until the county held them (<see cref="StorageNames.IndicatorSeriesState"/>);
/// kept to read such rows once when their county moves them into its year rows.
/// </summary>
[GenerateSerializer, Alias("plans.IndicatorSeriesState")]
public sealed class IndicatorSeriesState
{
    /// <summary>Stored figures keyed by "year|disaggregation".</summary>
    [Id(0)] public Dictionary<string, StoredValue> Values { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One indicator at one county, as read: its yearly series for every disaggregation with targets and statuses, its
/// warnings and its rating as of any year. The figures are the county's (<see cref="CountyGrain"/> applies and
/// stores them); this grain takes a copy whenever the county's version has moved and evaluates it here, so that page
/// reads of many indicators run in parallel and never hold the county's turn for the evaluation.
/// </summary>
// Placed with its county (a move of the county leaves it where it is until it is collected, minutes later).
[CityPartitionPlacement]
public sealed class IndicatorGrain(PlanData data, Microsoft.Extensions.Options.IOptions<MonitoringOptions> monitoring) : Grain, IIndicatorGrain
{
    private string _county = "";
    private IndicatorDefinition _indicator = null!;
    private ICountyGrain _countyGrain = null!;
    private IndicatorFigures? _figures;
    private ContributionVersion? _version;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        _county = GrainKeys.CodeOf(key);
        _indicator = data.Indicators[GrainKeys.LeafOf(key)];
        _countyGrain = GrainFactory.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(_county));
        return Task.CompletedTask;
    }

    public async Task<IndicatorSeriesView> GetSeriesAsync() => (await CurrentAsync()).Series();

    public async Task<DetectedWarning[]> GetWarningsAsync() => (await CurrentAsync()).Warnings(monitoring.Value.ToWarningOptions());

    public async Task<IndicatorEvaluation> GetEvaluationAsync(int year) => (await CurrentAsync()).Evaluation(year);

    /// <summary>The county's figures of this indicator as of now (re-read only when the county's version moved).</summary>
    private async Task<IndicatorFigures> CurrentAsync()
    {
        var snapshot = await _countyGrain.GetFiguresAsync(_indicator.Code, _figures is null ? null : _version);
        if (snapshot.Figures is null && _figures is not null)
        {
            return _figures;
        }
        var figures = new IndicatorFigures(_county, _indicator, data);
        foreach (var f in snapshot.Figures ?? [])
        {
            figures.Load(f.Year, f.Disaggregation, f.Value);
        }
        (_figures, _version) = (figures, snapshot.Version);
        return figures;
    }
}
