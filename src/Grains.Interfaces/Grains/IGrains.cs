using Orleans.Concurrency;

namespace OrleansPlans.Contracts;

/// <summary>A county-level unit. Key: <c>cn-511725</c> (see <see cref="GrainKeys"/>).</summary>
/// <remarks>Validates and applies a county's batches and answers its parent's requests for its contribution.</remarks>
[Alias("plans.ICountyGrain")]
public interface ICountyGrain : IGrainWithStringKey
{
    Task<ImportSummary> PushAsync(DataValueBatch batch);

    /// <summary>All of the county's cells; interleaves so a parent rebuilding itself never deadlocks on a push.</summary>
    [AlwaysInterleave]
    Task<ContributionSnapshot> GetContributionAsync();

    [AlwaysInterleave]
    Task<ContributionVersion> GetVersionAsync();

    /// <summary>
    /// One indicator's stored figures with the county's version; none when <paramref name="known"/> is still current
    /// (the indicator grain keeps what it evaluated).
    /// </summary>
    [ReadOnly]
    Task<IndicatorFiguresSnapshot> GetFiguresAsync(string indicator, ContributionVersion? known);

    /// <summary>What a department reported here, per indicator and year (from the stored figures' provenance).</summary>
    [ReadOnly]
    Task<DepartmentReport[]> GetDepartmentReportsAsync(string department);

    [ReadOnly]
    Task<RollupView> GetRollupAsync(int year);

    [ReadOnly]
    Task<AreaSummary[]> GetAreaSummaryAsync(int year);

    /// <summary>The county's stored early warnings (refreshing the deadline-based ones first).</summary>
    Task<WarningPage> GetWarningsAsync(WarningFilter filter);

    /// <summary>Completeness and timeliness of the county's reporting in a year: all departments, then each department.</summary>
    Task<CompletenessView[]> GetCompletenessAsync(int year);

    /// <summary>Every target-bearing indicator of the county rated as of a year.</summary>
    Task<IndicatorEvaluation[]> GetEvaluationAsync(int year);

    [ReadOnly]
    Task<DatasetApprovalView> GetDatasetAsync(int year);

    /// <summary>Submits, approves, returns or un-approves the county's dataset of a year; every transition is recorded.</summary>
    Task<ApprovalOutcome> TransitionDatasetAsync(int year, ApprovalCommand command);
}

/// <summary>
/// One indicator at one county: its series, warnings and ratings. Key: <c>cn-511725/maternal-mortality-rate</c>.
/// </summary>
/// <remarks>
/// The county holds and stores the figures (a push is one grain call and one row per year); the indicator grain reads
/// them from its county when the county's version has moved and evaluates them off the county's turn.
/// </remarks>
[Alias("plans.IIndicatorGrain")]
public interface IIndicatorGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<IndicatorSeriesView> GetSeriesAsync();

    /// <summary>The warnings the indicator's figures give rise to now (every year, every kind but missing reports).</summary>
    [ReadOnly]
    Task<DetectedWarning[]> GetWarningsAsync();

    /// <summary>The total series rated as of <paramref name="year"/>.</summary>
    [ReadOnly]
    Task<IndicatorEvaluation> GetEvaluationAsync(int year);
}

/// <summary>One stored figure of an indicator at a county.</summary>
[GenerateSerializer, Immutable, Alias("plans.StoredFigure")]
public sealed record StoredFigure(
    [property: Id(0)] int Year,
    [property: Id(1)] string Disaggregation,
    [property: Id(2)] StoredValue Value);

/// <summary>An indicator's figures at a county as of a county version; no figures when the caller's version is current.</summary>
[GenerateSerializer, Immutable, Alias("plans.IndicatorFiguresSnapshot")]
public sealed record IndicatorFiguresSnapshot(
    [property: Id(0)] ContributionVersion Version,
    [property: Id(1)] StoredFigure[]? Figures);

/// <summary>One department of one county. Key: <c>cn-511725/health</c>.</summary>
[Alias("plans.IDepartmentGrain")]
public interface IDepartmentGrain : IGrainWithStringKey
{
    /// <summary>Records the department's progress report on one measure for one year (replacing an earlier one).</summary>
    Task RecordMeasureAsync(MeasureReport report);

    [ReadOnly]
    Task<DepartmentView> GetAsync();
}

/// <summary>The roll-up of a subtree (a prefecture-level city or a province). Key: <c>cn-511700</c>.</summary>
[Alias("plans.IRollupGrain")]
public interface IRollupGrain : IGrainWithStringKey
{
    /// <summary>Replaces a child's contribution for the given cells (idempotent: re-sending changes nothing).</summary>
    Task ApplyChildCellsAsync(string child, ContributionVersion version, RollupCell[] cells);

    /// <summary>Replaces a child's whole contribution (after the child was reactivated or re-read).</summary>
    Task ReplaceChildAsync(ContributionSnapshot snapshot);

    [AlwaysInterleave]
    Task<ContributionSnapshot> GetContributionAsync();

    [AlwaysInterleave]
    Task<ContributionVersion> GetVersionAsync();

    /// <remarks>
    /// Reads interleave with the roll-up's writes: every write changes the grain's state within one turn (between awaits),
    /// so a read always sees a whole state, and it no longer queues behind a province's stream of child updates.
    /// </remarks>
    [AlwaysInterleave]
    Task<RollupView> GetRollupAsync(int year, bool includeChildren);

    /// <summary>Target-bearing indicators of the subtree's aggregate rated as of a year.</summary>
    [AlwaysInterleave]
    Task<IndicatorEvaluation[]> GetEvaluationAsync(int year);

    /// <summary>Warnings on the aggregate's own series (projected misses, fluctuations), derived live from its cells.</summary>
    [AlwaysInterleave]
    Task<DetectedWarning[]> GetAggregateWarningsAsync();

    [AlwaysInterleave]
    Task<IndicatorSeriesView> GetSeriesAsync(string indicator);

    /// <summary>Recomputes every cell from the leaf counties and reports differences.</summary>
    Task<ConsistencyReport> CheckConsistencyAsync();

    /// <summary>Re-reads every child now (also done periodically).</summary>
    Task ReconcileAsync();
}

[Alias("plans.ICityGrain")]
public interface ICityGrain : IRollupGrain;

[Alias("plans.IProvinceGrain")]
public interface IProvinceGrain : IRollupGrain;

/// <summary>Grain keys. Division codes are all digits, which Orleans' storage would read as hex, so they carry a prefix.</summary>
public static class GrainKeys
{
    public const string Prefix = "cn-";

    public static string OrgUnit(string code) => Prefix + code;

    public static string Indicator(string county, string indicator) => Prefix + county + "/" + indicator;

    public static string Department(string county, string department) => Prefix + county + "/" + department;

    /// <summary>The six-digit code of an org-unit key, or of the org-unit part of a compound key.</summary>
    public static string CodeOf(string key)
    {
        var rest = key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..] : key;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? rest : rest[..slash];
    }

    /// <summary>The part after the slash of a compound key.</summary>
    public static string LeafOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : key[(slash + 1)..];
    }
}

/// <summary>
/// A grain placed by its city's partition (county, city and province roll-ups). The silo-side rebalancer asks a grain
/// held by a silo that no longer owns its partition to move.
/// </summary>
[Alias("plans.IPartitionedGrain")]
public interface IPartitionedGrain : IGrainWithStringKey
{
    /// <summary>Deactivates the grain once its running calls finish; the next call to it activates it on its partition's owner.</summary>
    [AlwaysInterleave]
    Task MoveToOwnerAsync();

    /// <summary>
    /// Nothing but a call: sent after <see cref="MoveToOwnerAsync"/>, it waits behind the deactivation (it does not
    /// interleave) and then activates the grain on its owner, so a moved roll-up or county is warm again at once.
    /// </summary>
    Task WakeAsync();
}
