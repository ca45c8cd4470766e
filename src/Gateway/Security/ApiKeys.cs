using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace OrleansPlans.Gateway.Security;

/// <summary>An issued API key as stored: never the key itself, only its SHA-256 hash and the lookup id.</summary>
public sealed record ApiKeyRecord(
    string Id, string Name, string Role, string OrgUnit, string? Department, string Hash,
    DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt, string? RevokedBy);

public interface IApiKeyStore
{
    Task AddAsync(ApiKeyRecord key, AuditRecord audit, CancellationToken cancellationToken = default);

    Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks a key revoked (and records the audit entry with it); false when there is no such unrevoked key.</summary>
    Task<bool> RevokeAsync(string id, string by, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken = default);
}

/// <summary>
/// Key format <c>opk_&lt;id&gt;_&lt;secret&gt;</c>: the id (12 hex characters) finds the stored record without a scan;
/// the secret (32 random bytes, base64url) is checked against the stored hash in constant time.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "opk_";
    public const string Header = "X-Api-Key";

    public static (string Id, string Key) New()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (id, $"{Prefix}{id}_{secret}");
    }

    /// <summary>
    /// The key a request presents: the X-Api-Key header, or <c>Authorization: Bearer opk_…</c> for clients that can
    /// only send bearer credentials (a Prometheus scrape configuration).
    /// </summary>
    public static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue(Header, out var values))
        {
            return values.ToString();
        }
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer " + Prefix, StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string? IdOf(string key)
    {
        if (key.Length is < 20 or > 100 || !key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var rest = key[Prefix.Length..];
        var separator = rest.IndexOf('_');
        return separator == 12 && rest[..12].All(char.IsAsciiHexDigitLower) ? rest[..12] : null;
    }

    public static bool Matches(ApiKeyRecord record, string key) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(key)), Encoding.ASCII.GetBytes(record.Hash));
}

/// <summary>The embedded mode's key registry: in memory, lost on restart like the rest of embedded state.</summary>
public sealed class InMemoryApiKeyStore(IAuditLog audit) : IApiKeyStore
{
    private readonly ConcurrentDictionary<string, ApiKeyRecord> _keys = new(StringComparer.Ordinal);

    public async Task AddAsync(ApiKeyRecord key, AuditRecord record, CancellationToken cancellationToken = default)
    {
        if (!_keys.TryAdd(key.Id, key))
        {
            throw new InvalidOperationException("API key id collision");
        }
        await audit.AppendAsync(record, cancellationToken);
    }

    public Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken = default) => Task.FromResult(_keys.GetValueOrDefault(id));

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ApiKeyRecord>>([.. _keys.Values.OrderBy(k => k.CreatedAt)]);

    public async Task<bool> RevokeAsync(string id, string by, DateTimeOffset at, AuditRecord record, CancellationToken cancellationToken = default)
    {
        while (_keys.TryGetValue(id, out var key) && key.RevokedAt is null)
        {
            if (_keys.TryUpdate(id, key with { RevokedAt = at, RevokedBy = by }, key))
            {
                await audit.AppendAsync(record, cancellationToken);
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// A short-lived cache of key lookups, so a county system pushing many batches costs one database read per key every
/// few seconds. A revocation through this gateway takes effect at once; through another gateway within the TTL.
/// </summary>
public sealed class ApiKeyCache(IApiKeyStore store, IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Key, long At)> _entries = new(StringComparer.Ordinal);

    public async Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var ttl = TimeSpan.FromSeconds(options.Value.ApiKeyCacheSeconds);
        if (_entries.TryGetValue(id, out var cached) && time.GetElapsedTime(cached.At) < ttl)
        {
            return cached.Key;
        }
        var key = await store.FindAsync(id, cancellationToken);
        if (_entries.Count > 10_000)
        {
            _entries.Clear(); // bounded: ids of failed guesses never pile up
        }
        _entries[id] = (key, time.GetTimestamp());
        return key;
    }

    public void Invalidate(string id) => _entries.TryRemove(id, out _);
}

/// <summary>Authenticates <c>X-Api-Key</c>: a known, unrevoked key becomes a principal with the key's role and scope.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyCache keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ApiKeyFormat.Presented(Request) is not { } raw)
        {
            return AuthenticateResult.NoResult();
        }
        var presented = raw.Trim();
        if (presented.Contains(',') || ApiKeyFormat.IdOf(presented) is not { } id)
        {
            return AuthenticateResult.Fail("malformed API key");
        }
        var key = await keys.FindAsync(id, Context.RequestAborted);
        if (key is null || key.RevokedAt is not null || !ApiKeyFormat.Matches(key, presented))
        {
            return AuthenticateResult.Fail("unknown or revoked API key");
        }
        var claims = new List<Claim>
        {
            new(PlansClaims.Subject, "apikey:" + key.Id),
            new(PlansClaims.Name, key.Name),
            new(PlansClaims.Role, key.Role),
            new(PlansClaims.OrgUnit, key.OrgUnit),
            new(PlansClaims.AuthMethod, "api-key"),
            new(PlansClaims.ApiKeyId, key.Id),
        };
        if (key.Department is not null)
        {
            claims.Add(new Claim(PlansClaims.Department, key.Department));
        }
        var identity = new ClaimsIdentity(claims, SchemeName, PlansClaims.Subject, PlansClaims.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"ApiKey header=\"{ApiKeyFormat.Header}\"";
        return Task.CompletedTask;
    }
}
