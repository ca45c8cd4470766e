using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OrleansPlans.Contracts;
using OrleansPlans.Gateway.Model;

namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// The serialized JSON of recent city and province roll-up responses and indicator pages, each tagged with the roll-up grain's version
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
    private readonly CoalescedReadMap _builds = new(Capacity);
    private long _hits, _misses;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The key of an indicator page (series over the years) of a city or province.</summary>
    public static string SeriesKey(string code, string indicator) => $"{code}|series|{indicator}";

    public static string Key(string code, int? year, int currentYear, bool children, string? plan, string? area) =>
        $"{code}|{(year is { } y ? y.ToString(System.Globalization.CultureInfo.InvariantCulture) : "latest@" + currentYear.ToString(System.Globalization.CultureInfo.InvariantCulture))}|{children}|{plan}|{area}";

    /// <summary>
    /// After a miss: builds the entry, shared with every caller that misses it meanwhile. One build runs at a time per
    /// entry; a caller arriving while one runs waits for the next, which reads the version again and builds only if it
    /// moved (<see cref="CoalescedRead{T}"/> without reuse: each answer comes from a version read that started after
    /// the caller arrived). Open pages reloading on the same change cost at most two builds, not one each: with 32
    /// pages open on 四川省 during a deadline, their reloads had cut the ingest to a third (docs/benchmarks.md, session 16).
    /// </summary>
    public Task<CachedRollup> BuildSharedAsync<TResponse>(string key, Func<Task<ContributionVersion>> version, Func<Task<TResponse>> build) =>
        _builds.ReadAsync(key, async () =>
        {
            var current = await version();
            return Peek(key, current) ?? Store(key, current, await build());
        });

    /// <summary>A response serialized for one request and not kept, tagged with the version read before it was built.</summary>
    public CachedRollup Unstored<TResponse>(ContributionVersion version, TResponse response) =>
        new(JsonSerializer.SerializeToUtf8Bytes(response, json.Value.SerializerOptions), ETagOf(version), CompressionLevel.Fastest);

    private CachedRollup? Peek(string key, ContributionVersion version) =>
        version != ContributionVersion.InFlight && _entries.TryGetValue(key, out var entry) && entry.Version == version ? entry.Response : null;

    public CachedRollup? TryGet(string key, ContributionVersion version)
    {
        if (version != ContributionVersion.InFlight && _entries.TryGetValue(key, out var entry) && entry.Version == version)
        {
            Interlocked.Increment(ref _hits);
            return entry.Response;
        }
        Interlocked.Increment(ref _misses);
        return null;
    }

    /// <summary>Serializes the response once and keeps it under the version read <em>before</em> the view was fetched
    /// (a change in between only makes the entry newer than its tag, never older).</summary>
    public CachedRollup Store<TResponse>(string key, ContributionVersion version, TResponse response)
    {
        var cached = new CachedRollup(JsonSerializer.SerializeToUtf8Bytes(response, json.Value.SerializerOptions), ETagOf(version));
        if (version != ContributionVersion.InFlight)
        {
            if (_entries.Count >= Capacity)
            {
                _entries.Clear();
            }
            _entries[key] = new Entry(version, cached);
        }
        return cached;
    }

    /// <summary>
    /// A strong validator for a roll-up response: the grain's version plus this gateway process's own salt (a restarted
    /// gateway may run another build or settings, so its bytes for the same version need not be the same).
    /// </summary>
    public static string ETagOf(ContributionVersion version) =>
        version == ContributionVersion.InFlight ? "" : $"\"{ProcessSalt}-{version.Epoch:x}-{version.Sequence:x}\"";

    private static readonly string ProcessSalt = Convert.ToHexString(BitConverter.GetBytes(Random.Shared.NextInt64()))[..8].ToLowerInvariant();

    private sealed record Entry(ContributionVersion Version, CachedRollup Response);
}

/// <summary>
/// One serialized roll-up response with its ETag, and its gzip form made on first demand (once per version, shared by
/// every reader that accepts gzip). At the optimal level a province roll-up's 171 KB of JSON are 20.3 KB (2.1 ms to
/// compress once per version, 0.20 ms to inflate in the browser) against 28.7 KB at the fastest level (0.7 ms, 0.27 ms):
/// 29 % less to carry over a county's or committee member's network for every reader of a version.
/// </summary>
/// <remarks>A response made for one request only (a county's roll-up) is compressed at the fastest level instead: it is
/// compressed for every reader, not once per version.</remarks>
public sealed class CachedRollup(byte[] body, string etag, CompressionLevel gzipLevel = CompressionLevel.Optimal)
{
    private byte[]? _gzip;

    public byte[] Body { get; } = body;

    public string ETag { get; } = etag;

    public byte[] Gzip
    {
        get
        {
            if (Volatile.Read(ref _gzip) is { } done)
            {
                return done;
            }
            using var buffer = new MemoryStream(Body.Length / 8);
            using (var gzip = new GZipStream(buffer, gzipLevel, leaveOpen: true))
            {
                gzip.Write(Body);
            }
            // Two readers racing here both compress; either result is the same bytes.
            Volatile.Write(ref _gzip, buffer.ToArray());
            return _gzip!;
        }
    }
}
