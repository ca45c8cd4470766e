using System.Collections.Concurrent;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// City and province grain references, made once per gateway: <c>GetGrain</c> resolves the interface's grain type by
/// reflection on every call (Orleans 10.4), and the roll-up read path asks for one on every request. At most one
/// reference per prefecture-level and provincial unit (~370), so the map needs no bound.
/// </summary>
public sealed class RollupGrains(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<string, IRollupGrain> _references = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CoalescedRead<ContributionVersion>> _versions = new(StringComparer.Ordinal);

    /// <summary>The roll-up grain of a city or province; null for a county-level unit (it holds values, not a roll-up).</summary>
    public IRollupGrain? Of(OrgUnit unit) => unit.Level switch
    {
        OrgUnitLevel.County => null,
        _ => _references.GetOrAdd(unit.Code, static (code, state) => state.Level == OrgUnitLevel.Prefecture
            ? state.Grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit(code))
            : state.Grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(code)), (Grains: grains, unit.Level)),
    };

    /// <summary>
    /// The roll-up grain's current version, read by a call that started after this request arrived; concurrent requests
    /// for the same unit share calls (<see cref="CoalescedRead{T}"/>).
    /// </summary>
    public Task<ContributionVersion> VersionOf(OrgUnit unit, IRollupGrain grain) =>
        _versions.GetOrAdd(unit.Code, static (_, g) => new CoalescedRead<ContributionVersion>(g.GetVersionAsync), grain).ReadAsync();
}
