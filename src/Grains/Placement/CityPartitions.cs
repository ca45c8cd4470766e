using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Placement;

/// <summary>
/// Which silo holds which part of the division tree. A prefecture-level city and everything under it — its roll-up,
/// its county-level units and their indicator and department grains — form one partition, owned by one silo chosen by
/// rendezvous (highest-random-weight) hashing of the city's code over the active silos. A province is a partition of
/// its own.
/// </summary>
/// <remarks>
/// <para>Why whole cities: a push goes county → city → province, and the county → city call carries every changed cell;
/// kept on one silo it is a local call. Only the city → province calls (coalesced) cross silos.</para>
/// <para>Why rendezvous hashing: every silo computes the same owner from the same silo list with no coordination, and
/// when a silo joins or leaves only the partitions it wins or held move (about 1/n of them), not a reshuffle.</para>
/// </remarks>
public static class CityPartitions
{
    /// <summary>
    /// The partition of a grain key (<c>cn-511725</c>, <c>cn-511725/maternal-mortality-rate</c>): the code of the
    /// prefecture-level city above or at the unit, else the unit's own code (a province, or a code the tables lack).
    /// </summary>
    public static string Of(PlanData data, string grainKey)
    {
        var code = GrainKeys.CodeOf(grainKey);
        // A stand-in county of a city without counties (东莞市) has the city's code: OrgUnit gives the city.
        foreach (var unit in data.ChainOf(code))
        {
            if (unit.Level == OrgUnitLevel.Prefecture)
            {
                return unit.Code;
            }
        }
        return code;
    }

    /// <summary>The silo that owns a partition among <paramref name="silos"/> (any order; none → null).</summary>
    public static SiloAddress? Owner(string partition, IReadOnlyList<SiloAddress> silos)
    {
        SiloAddress? best = null;
        var bestScore = 0UL;
        var key = StableHash(partition);
        foreach (var silo in silos)
        {
            var score = Mix(key ^ SiloHash(silo));
            // Ties (astronomically rare) go to the lower address, so that every silo still agrees.
            if (best is null || score > bestScore || (score == bestScore && silo.CompareTo(best) < 0))
            {
                best = silo;
                bestScore = score;
            }
        }
        return best;
    }

    /// <summary>
    /// A silo's identity for hashing: endpoint and generation, the same text on every silo (a restarted pod has a new
    /// generation and so draws its partitions afresh, which is what a new silo does anyway).
    /// </summary>
    private static ulong SiloHash(SiloAddress silo) => StableHash(silo.ToParsableString());

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }

    /// <summary>The SplitMix64 finaliser: FNV of similar strings differs in few bits; this spreads them over all 64.</summary>
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
