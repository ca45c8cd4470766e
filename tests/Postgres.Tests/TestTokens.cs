using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// HS256 tokens signed with the key the test gateways are configured with (Auth__SigningKey), written here by hand
/// from RFC 7519 so the gateway is checked against a standard JWT rather than its own issuer's output.
/// </summary>
public static class TestTokens
{
    public static readonly string SigningKey = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("orleans-plans postgres tests")));

    public static string Create(string role, string orgUnit, string? department = null, string subject = "postgres-tests", string issuer = "orleans-plans", string audience = "orleans-plans")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new Dictionary<string, object>
        {
            ["sub"] = subject, ["iss"] = issuer, ["aud"] = audience, ["iat"] = now, ["nbf"] = now, ["exp"] = now + 4 * 3600,
            ["role"] = role, ["org_unit"] = orgUnit,
        };
        if (department is not null)
        {
            payload["department"] = department;
        }
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = Base64Url(HMACSHA256.HashData(Convert.FromBase64String(SigningKey), Encoding.ASCII.GetBytes($"{header}.{body}")));
        return $"{header}.{body}.{signature}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
