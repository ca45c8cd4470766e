using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Api.Tests;

/// <summary>The gateway remembers validated bearer tokens, but never past their expiry, never failures, never a shared identity.</summary>
public sealed class CachingTokenHandlerTests
{
    private static readonly SymmetricSecurityKey Key = new(RandomNumberGenerator.GetBytes(32));

    private static readonly TokenValidationParameters Parameters = new()
    {
        ValidIssuer = "orleans-plans",
        ValidAudience = "orleans-plans",
        IssuerSigningKey = Key,
        ClockSkew = TimeSpan.FromMinutes(1),
        NameClaimType = "sub",
        RoleClaimType = "role",
    };

    [Fact]
    public async Task A_valid_token_is_checked_once_and_every_request_gets_its_own_identity()
    {
        var handler = new CachingTokenHandler(new ManualTime());
        var token = Token(Key, DateTime.UtcNow.AddHours(1));

        var first = await handler.ValidateTokenAsync(token, Parameters);
        var second = await handler.ValidateTokenAsync(token, Parameters);

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, handler.Validations);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Equal("county-reporter", second.ClaimsIdentity.FindFirst("role")?.Value);
        Assert.Equal("reporter-1", second.ClaimsIdentity.Name);
        Assert.NotNull(second.SecurityToken);

        // What one request does to its identity is not seen by the next.
        second.ClaimsIdentity.AddClaim(new Claim("role", "province-admin"));
        var third = await handler.ValidateTokenAsync(token, Parameters);
        Assert.Single(third.ClaimsIdentity.FindAll("role"));
    }

    [Fact]
    public async Task A_remembered_token_is_checked_again_once_it_expires_and_at_least_every_five_minutes()
    {
        var time = new ManualTime();
        var handler = new CachingTokenHandler(time);
        // Expiry is judged on the cache's clock: a token that, on that clock, expires in 2 minutes (+1 minute skew).
        var shortLived = Token(Key, time.GetUtcNow().UtcDateTime.AddMinutes(2), notBefore: time.GetUtcNow().UtcDateTime.AddMinutes(-1));
        var lifetimeOnTheCachesClock = Parameters.Clone();
        lifetimeOnTheCachesClock.ValidateLifetime = false;
        await handler.ValidateTokenAsync(shortLived, lifetimeOnTheCachesClock);
        time.Advance(TimeSpan.FromMinutes(2.9));
        await handler.ValidateTokenAsync(shortLived, lifetimeOnTheCachesClock);
        Assert.Equal(1, handler.Validations);
        time.Advance(TimeSpan.FromMinutes(0.2));         // past expiry + skew: not honoured from memory
        await handler.ValidateTokenAsync(shortLived, lifetimeOnTheCachesClock);
        Assert.Equal(2, handler.Validations);

        var longLived = Token(Key, DateTime.UtcNow.AddHours(8));
        await handler.ValidateTokenAsync(longLived, Parameters);
        time.Advance(RememberedTokens.MaxAge);
        await handler.ValidateTokenAsync(longLived, Parameters);
        Assert.Equal(3, handler.Validations);
        time.Advance(TimeSpan.FromSeconds(1));
        await handler.ValidateTokenAsync(longLived, Parameters);
        Assert.Equal(4, handler.Validations);
    }

    [Fact]
    public async Task A_token_that_fails_is_checked_again_every_time_and_never_passes()
    {
        var handler = new CachingTokenHandler(new ManualTime());
        var forged = Token(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), DateTime.UtcNow.AddHours(1));
        var expired = Token(Key, DateTime.UtcNow.AddMinutes(-5), notBefore: DateTime.UtcNow.AddMinutes(-10));

        foreach (var token in new[] { forged, forged, expired, expired })
        {
            Assert.False((await handler.ValidateTokenAsync(token, Parameters)).IsValid);
        }
        Assert.Equal(4, handler.Validations);
    }

    private static string Token(SecurityKey key, DateTime expires, DateTime? notBefore = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "orleans-plans",
        Audience = "orleans-plans",
        Claims = new Dictionary<string, object> { ["sub"] = "reporter-1", ["role"] = "county-reporter", ["org_unit"] = "510104" },
        NotBefore = notBefore ?? DateTime.UtcNow.AddMinutes(-1),
        IssuedAt = notBefore ?? DateTime.UtcNow.AddMinutes(-1),
        Expires = expires,
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
    });
}
