using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// City and province grain references, made once per gateway: <c>GetGrain</c> resolves the interface's grain type by
/// reflection on every call (Orleans 10.4), and the roll-up read path asks for one on every request. At most one
/// reference per prefecture-level and provincial unit (~370), so the map needs no bound.
/// </summary>
/// <remarks>
/// Version reads are shared (<see cref="CoalescedRead{T}"/>) and reused for <see cref="VersionReuse"/>
/// (<c>Gateway:RollupVersionReuseMs</c>, default 10 ms): at thousands of roll-up requests per second the province grain
/// answers about two hundred version calls a second instead of one per request, the next one started after half the
/// window so that requests rarely wait for one. The price is that a reader may be served
/// a roll-up up to that long older than its request — against the hundreds of milliseconds a county's figure takes to
/// reach the province anyway. A push or approval through this gateway forgets the reusable versions of the county's
/// city and province, so the writer's next read never gets a version read before its own write; 0 turns reuse off.
/// The gateway's /metrics counts the checks by whether a reusable version answered them or they waited for a call
/// (<c>orleansplans_rollup_version_checks_total</c>) and the calls made (<c>orleansplans_rollup_version_calls_total</c>).
/// </remarks>
public sealed class RollupGrains(IGrainFactory grains, IConfiguration configuration, PlanData data, TimeProvider time)
{
    public const string ReuseSetting = "Gateway:RollupVersionReuseMs";

    private static readonly Meter Meter = new(PlansMetrics.MeterName, "1.0");
    private static readonly Counter<long> Checks = Meter.CreateCounter<long>("orleansplans.rollup.version_checks", "{check}",
        "Roll-up version checks of this gateway, by answer: reused (a version read within the reuse window) or waited (for a version call)");
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("orleansplans.rollup.version_calls", "{call}",
        "Version calls of this gateway to city and province grains");
    private static readonly KeyValuePair<string, object?> Reused = new("answer", "reused");
    private static readonly KeyValuePair<string, object?> Waited = new("answer", "waited");

    private readonly ConcurrentDictionary<string, IRollupGrain> _references = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CoalescedRead<ContributionVersion>> _versions = new(StringComparer.Ordinal);

    public TimeSpan VersionReuse { get; } = TimeSpan.FromMilliseconds(Math.Max(0, configuration.GetValue(ReuseSetting, 10)));

    /// <summary>The roll-up grain of a city or province; null for a county-level unit (it holds values, not a roll-up).</summary>
    public IRollupGrain? Of(OrgUnit unit) => unit.Level switch
    {
        OrgUnitLevel.County => null,
        _ => _references.GetOrAdd(unit.Code, static (code, state) => state.Level == OrgUnitLevel.Prefecture
            ? state.Grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit(code))
            : state.Grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(code)), (Grains: grains, unit.Level)),
    };

    /// <summary>
    /// The roll-up grain's current version, read by a call that started at most <see cref="VersionReuse"/> before this
    /// request arrived; concurrent requests for the same unit share calls (<see cref="CoalescedRead{T}"/>).
    /// </summary>
    public Task<ContributionVersion> VersionOf(OrgUnit unit, IRollupGrain grain)
    {
        var version = Versions(unit.Code, grain).ReadAsync();
        Checks.Add(1, version.IsCompleted ? Reused : Waited);
        return version;
    }

    /// <summary>After a write to a county-level unit: its city's and province's next version reads start afresh.</summary>
    public void Written(string countyCode)
    {
        foreach (var unit in data.ChainOf(countyCode))
        {
            if (_versions.TryGetValue(unit.Code, out var versions))
            {
                versions.Forget();
            }
        }
    }

    private CoalescedRead<ContributionVersion> Versions(string code, IRollupGrain grain) =>
        _versions.GetOrAdd(code, static (_, state) => new CoalescedRead<ContributionVersion>(() =>
            {
                Calls.Add(1);
                return state.Grain.GetVersionAsync();
            }, state.Reuse, state.Time), (Grain: grain, Reuse: VersionReuse, Time: time));
}
