using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OrleansPlans.Contracts;
using OrleansPlans.Gateway.Model;

namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// The serialized JSON of recent city and province roll-up responses, each tagged with the roll-up grain's version
/// (random epoch per activation + change counter) at the time it was built. A request asks the grain for its version
/// (a tiny interleaving call) and, when it is unchanged, answers with the stored bytes: no view crosses the wire, nothing
/// is mapped or serialized again, and 64 readers no longer queue on one activation's turn. Any change to any cell moves
/// the version, so a hit is never staler than the version check itself.
/// </summary>
public sealed class RollupResponseCache(IOptions<JsonOptions> json)
{
    /// <summary>Entries kept (org unit × year × filters); beyond it the cache starts again empty.</summary>
    public const int Capacity = 2048;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _hits, _misses;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public static string Key(string code, int? year, int currentYear, bool children, string? plan, string? area) =>
        $"{code}|{(year is { } y ? y.ToString(System.Globalization.CultureInfo.InvariantCulture) : "latest@" + currentYear.ToString(System.Globalization.CultureInfo.InvariantCulture))}|{children}|{plan}|{area}";

    public byte[]? TryGet(string key, ContributionVersion version)
    {
        if (version != ContributionVersion.InFlight && _entries.TryGetValue(key, out var entry) && entry.Version == version)
        {
            Interlocked.Increment(ref _hits);
            return entry.Body;
        }
        Interlocked.Increment(ref _misses);
        return null;
    }

    /// <summary>Serializes the response once and keeps it under the version read <em>before</em> the view was fetched
    /// (a change in between only makes the entry newer than its tag, never older).</summary>
    public byte[] Store(string key, ContributionVersion version, RollupResponse response)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(response, json.Value.SerializerOptions);
        if (version != ContributionVersion.InFlight)
        {
            if (_entries.Count >= Capacity)
            {
                _entries.Clear();
            }
            _entries[key] = new Entry(version, body);
        }
        return body;
    }

    private sealed record Entry(ContributionVersion Version, byte[] Body);
}
