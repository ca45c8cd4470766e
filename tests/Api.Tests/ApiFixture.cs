using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// The gateway in embedded mode (co-hosted silo, in-memory storage), without the demo province, on free silo ports.
/// <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/> gives a client authenticated as a national
/// province administrator (tokens from the embedded development issuer); <see cref="ClientAs"/> and
/// <see cref="AnonymousClient"/> give other callers.
/// </summary>
public sealed class ApiFixture : WebApplicationFactory<Program>
{
    /// <summary>Settings a derived fixture (or a test) adds, e.g. a low rate limit.</summary>
    public Dictionary<string, string> Settings { get; } = [];

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("province-admin", "000000"));
    }

    /// <summary>A token of the embedded development issuer for a role at an org unit.</summary>
    public string Token(string role, string orgUnit, string? department = null, string? subject = null) =>
        Services.GetRequiredService<DevTokenIssuer>().Issue(role, orgUnit, department, subject).AccessToken;

    /// <summary>A token as an outside identity provider issues it: signed and valid, with a subject but no role claims.</summary>
    public string TokenWithoutRoles(string subject) => SignedToken(new Dictionary<string, object> { ["sub"] = subject });

    /// <summary>A token signed with the gateway's key carrying exactly <paramref name="claims"/> (an array value is one claim per element).</summary>
    public string SignedToken(Dictionary<string, object> claims)
    {
        var options = Services.GetRequiredService<AuthOptions>();
        var key = Services.GetRequiredService<DevTokenIssuer>().SigningKey;
        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = options.EffectiveIssuer,
            Audience = options.Audience,
            Claims = claims,
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(key, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });
    }

    public HttpClient ClientAs(string role, string orgUnit, string? department = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role, orgUnit, department));
        return client;
    }

    public HttpClient AnonymousClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.UseSetting("Demo:Enabled", "false");
        // The shared fixture's tests send hundreds of anonymous requests in a burst (the access matrix); the limiter
        // itself is tested with its own fixture (RateLimitTests).
        if (!Settings.ContainsKey("Auth:RateLimit:AnonymousPermitsPerSecond"))
        {
            builder.UseSetting("Auth:RateLimit:AnonymousPermitsPerSecond", "1000");
        }
        builder.UseSetting("Orleans:SiloPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:ClusterId", "api-tests-" + Guid.NewGuid().ToString("N")[..8]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
