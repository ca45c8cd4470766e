using System.Collections.Concurrent;
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
/// answers about a hundred version calls a second instead of one per request. The price is that a reader may be served
/// a roll-up up to that long older than its request — against the hundreds of milliseconds a county's figure takes to
/// reach the province anyway. A push or approval through this gateway forgets the reusable versions of the county's
/// city and province, so the writer's next read never gets a version read before its own write; 0 turns reuse off.
/// </remarks>
public sealed class RollupGrains(IGrainFactory grains, IConfiguration configuration, PlanData data, TimeProvider time)
{
    public const string ReuseSetting = "Gateway:RollupVersionReuseMs";

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
    public Task<ContributionVersion> VersionOf(OrgUnit unit, IRollupGrain grain) => Versions(unit.Code, grain).ReadAsync();

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
        _versions.GetOrAdd(code, static (_, state) => new CoalescedRead<ContributionVersion>(state.Grain.GetVersionAsync, state.Reuse, state.Time),
            (Grain: grain, Reuse: VersionReuse, Time: time));
}
