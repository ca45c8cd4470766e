using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OrleansPlans.Bench;

/// <summary>
/// Credentials for the gateway (docs/security.md). Spawned gateways get a random per-run signing key and the tool
/// signs its own HS256 token (a national province administrator), with the rate limit raised so the tool measures
/// the system rather than the limiter. Against a running gateway (--gateway URL) set ORLEANSPLANS_API_KEY (an
/// X-Api-Key) or ORLEANSPLANS_TOKEN (a bearer token) instead.
/// </summary>
public static class BenchAuth
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    /// <summary>Added to every spawned process's environment (silos ignore it).</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["Auth__SigningKey"] = Convert.ToBase64String(Key),
        ["Auth__RateLimit__PermitsPerSecond"] = "1000000",
        ["Auth__RateLimit__Burst"] = "1000000",
    };

    public static HttpClient Apply(HttpClient client)
    {
        if (System.Environment.GetEnvironmentVariable("ORLEANSPLANS_API_KEY") is { Length: > 0 } apiKey)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
            return client;
        }
        var token = System.Environment.GetEnvironmentVariable("ORLEANSPLANS_TOKEN") is { Length: > 0 } t ? t : Token();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static string Token()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = "bench", ["iss"] = "orleans-plans", ["aud"] = "orleans-plans", ["iat"] = now, ["nbf"] = now, ["exp"] = now + 24 * 3600,
            ["role"] = "province-admin", ["org_unit"] = "000000",
        }));
        return $"{header}.{payload}.{Base64Url(HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes($"{header}.{payload}")))}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
