using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Placement;

/// <summary>
/// Which silo holds which part of the division tree. A prefecture-level city and everything under it — its roll-up,
/// its county-level units and their indicator and department grains — form one partition, owned by one silo. A
/// province is a partition of its own.
/// </summary>
/// <remarks>
/// <para>Why whole cities: a push goes county → city → province, and the county → city call carries every changed cell;
/// kept on one silo it is a local call. Only the city → province calls (coalesced) cross silos.</para>
/// <para>How owners are chosen: see <see cref="PartitionOwners"/>. Every silo computes the same owners from the same
/// silo list and division table, with no coordination.</para>
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

    /// <summary>
    /// The silos in a partition's order of preference, by rendezvous (highest-random-weight) hashing: when a silo
    /// joins or leaves, every other silo keeps its place relative to the rest.
    /// </summary>
    public static SiloAddress[] Preference(string partition, IReadOnlyList<SiloAddress> silos)
    {
        var key = StableHash(partition);
        var scored = new (ulong Score, SiloAddress Silo)[silos.Count];
        for (var i = 0; i < silos.Count; i++)
        {
            scored[i] = (Mix(key ^ StableHash(silos[i].ToParsableString())), silos[i]);
        }
        // Ties (astronomically rare) go to the lower address, so that every silo still agrees.
        Array.Sort(scored, (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Silo.CompareTo(b.Silo));
        return [.. scored.Select(s => s.Silo)];
    }

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

/// <summary>
/// The owner of every partition for one set of silos: rendezvous hashing with bounded loads, per province. A
/// province has ~10–20 cities of very different sizes (四川: 成都 with 20 county-level units, 攀枝花 with 5), so plain
/// hashing of its 21 cities over 2 silos gives one silo 108 of 四川's 183 counties in the median case, 128 at the 90th
/// percentile and up to 162 (500 random pairs of silo addresses). Instead each province's cities are taken largest
/// first, each going to the first silo in its preference order that stays within <see cref="Slack"/> of an even share
/// of the province's counties: at most 106 of 183 (median 104).
/// </summary>
/// <remarks>
/// The division table is the same on every silo, so is the result. A joining silo takes the cities it is preferred for
/// within its share, and the changed bounds move some more between the others: a fourth silo took 22–28 % of China's
/// counties and 34 % changed silo in all (median of 500 random silo sets; ideal 25 %, a reshuffle 75 %).
/// </remarks>
public sealed class PartitionOwners
{
    /// <summary>How far above an even share of a province's counties a silo may go (15 %).</summary>
    public const double Slack = 0.15;

    private readonly Dictionary<string, SiloAddress> _owners = new(StringComparer.Ordinal);

    private PartitionOwners(IReadOnlyList<SiloAddress> silos) => Silos = silos;

    public IReadOnlyList<SiloAddress> Silos { get; }

    public static PartitionOwners Compute(PlanData data, IReadOnlyList<SiloAddress> silos)
    {
        var result = new PartitionOwners([.. silos]);
        if (silos.Count == 0)
        {
            return result;
        }
        foreach (var province in data.OrgUnits.Values.Where(u => u.Level == OrgUnitLevel.Province))
        {
            var cities = data.ChildrenOf(province.Code)
                .Select(c => (c.Code, Weight: Math.Max(1, data.LeavesOf(c.Code).Count())))
                .OrderByDescending(c => c.Weight).ThenBy(c => c.Code, StringComparer.Ordinal)
                .ToArray();
            var total = cities.Sum(c => c.Weight);
            var bound = Math.Ceiling(total / (double)silos.Count * (1 + Slack));
            var load = silos.ToDictionary(s => s, _ => 0);
            foreach (var (code, weight) in cities)
            {
                var preference = CityPartitions.Preference(code, silos);
                // The first silo in the city's order that stays within the bound; if none does (a city larger than a
                // share), the least loaded, earliest in the order.
                var owner = preference.FirstOrDefault(s => load[s] + weight <= bound)
                    ?? preference.OrderBy(s => load[s]).First();
                load[owner] += weight;
                result._owners[code] = owner;
            }
        }
        return result;
    }

    /// <summary>The owner of a partition (a province, or a code outside the table: its first preference).</summary>
    public SiloAddress? OwnerOf(string partition) =>
        _owners.TryGetValue(partition, out var owner) ? owner : Silos.Count == 0 ? null : CityPartitions.Preference(partition, Silos)[0];
}

/// <summary>The owners for the current silos, recomputed only when the set of silos changes (shared per silo).</summary>
public sealed class PartitionTable(PlanData data)
{
    private PartitionOwners? _current;

    public PartitionOwners For(IReadOnlyList<SiloAddress> silos)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && current.Silos.Count == silos.Count && silos.All(current.Silos.Contains))
        {
            return current;
        }
        current = PartitionOwners.Compute(data, silos);
        Volatile.Write(ref _current, current);
        return current;
    }

    /// <summary>The owner of a grain's partition among <paramref name="silos"/>.</summary>
    public SiloAddress? OwnerOf(string grainKey, IReadOnlyList<SiloAddress> silos) => For(silos).OwnerOf(CityPartitions.Of(data, grainKey));
}
