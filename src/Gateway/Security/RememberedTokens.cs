using System.Collections.Concurrent;

namespace OrleansPlans.Gateway.Security;

/// <summary>The bounds every memory of accepted bearer tokens keeps (see <see cref="RememberedTokens{T}"/>).</summary>
public static class RememberedTokens
{
    /// <summary>Tokens remembered at most; beyond it the memory starts again empty.</summary>
    public const int Capacity = 10_000;

    /// <summary>
    /// The longest a token is answered from memory, whatever its expiry: a signing key removed from the issuer's
    /// metadata stops being honoured within this time.
    /// </summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
}

/// <summary>
/// What the gateway concluded about a bearer token it accepted, remembered until the token's deadline (its expiry plus
/// the allowed clock skew) or for <see cref="RememberedTokens.MaxAge"/>, whichever is sooner. A dashboard or county
/// system sends the same token with every request. Only acceptances are ever remembered; the caller decides what is
/// safe to remember, and copies what it hands out if requests may change it.
/// </summary>
public sealed class RememberedTokens<T> where T : class
{
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Made once (getting it checks the comparer): the span lookup spares every request a copy of its token (a few
    // hundred characters) just to look it up.
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public RememberedTokens(TimeProvider time)
    {
        _time = time;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The value remembered for <paramref name="token"/>, or null (never remembered, or past its time).</summary>
    public T? Find(ReadOnlySpan<char> token)
    {
        if (!_bySpan.TryGetValue(token, out var entry))
        {
            return null;
        }
        if (_time.GetUtcNow() <= entry.Until)
        {
            return entry.Value;
        }
        _bySpan.TryRemove(token, out _);
        return null;
    }

    /// <summary>Remembers <paramref name="value"/> for <paramref name="token"/> until <paramref name="deadline"/>, at most <see cref="RememberedTokens.MaxAge"/>.</summary>
    public void Remember(string token, T value, DateTimeOffset deadline)
    {
        var now = _time.GetUtcNow();
        var until = deadline < now + RememberedTokens.MaxAge ? deadline : now + RememberedTokens.MaxAge;
        if (until <= now)
        {
            return;
        }
        if (_entries.Count >= RememberedTokens.Capacity)
        {
            _entries.Clear();
        }
        _entries[token] = new Entry(value, until);
    }

    private sealed record Entry(T Value, DateTimeOffset Until);
}
