using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansPlans.Gateway.Security;

/// <summary>
/// The bearer token handler, remembering tokens it has validated: a dashboard or county system sends the same token
/// with every request, and checking its signature, issuer, audience and lifetime again each time was a fifth of the
/// gateway's CPU per roll-up read (docs/benchmarks.md, session 7). A remembered result is used until the token expires
/// (with the configured clock skew) or for <see cref="MaxAge"/> at most, whichever is sooner, so a signing key removed
/// from the issuer's metadata stops being honoured within that time; failures are never remembered. Each request gets
/// its own copy of the claims identity (events add identities to the principal, never to a shared one). What
/// <c>OnTokenValidated</c> checks — the role grant, an IdP subject's role assignment — still runs on every request.
/// </summary>
public sealed class CachingTokenHandler(TimeProvider time) : JsonWebTokenHandler
{
    /// <summary>Tokens remembered at most; beyond it the cache starts again empty.</summary>
    public const int Capacity = 10_000;

    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Remembered> _validated = new(StringComparer.Ordinal);
    private long _validations;

    /// <summary>Full validations run (not answered from the cache), for tests and diagnostics.</summary>
    public long Validations => Interlocked.Read(ref _validations);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow();
        if (_validated.TryGetValue(token, out var remembered))
        {
            if (now <= remembered.Until)
            {
                return new TokenValidationResult
                {
                    IsValid = true,
                    ClaimsIdentity = remembered.Result.ClaimsIdentity.Clone(),
                    SecurityToken = remembered.Result.SecurityToken,
                    Issuer = remembered.Result.Issuer,
                    TokenType = remembered.Result.TokenType,
                };
            }
            _validated.TryRemove(token, out _);
        }
        Interlocked.Increment(ref _validations);
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } validated && validated.ValidTo > DateTime.UnixEpoch)
        {
            var until = new DateTimeOffset(DateTime.SpecifyKind(validated.ValidTo, DateTimeKind.Utc)) + validationParameters.ClockSkew;
            if (until > now + MaxAge)
            {
                until = now + MaxAge;
            }
            if (_validated.Count >= Capacity)
            {
                _validated.Clear();
            }
            // The stored identity is never handed out: callers get clones of it.
            _validated[token] = new Remembered(new TokenValidationResult
            {
                IsValid = true,
                ClaimsIdentity = result.ClaimsIdentity.Clone(),
                SecurityToken = validated,
                Issuer = result.Issuer,
                TokenType = result.TokenType,
            }, until);
        }
        return result;
    }

    private sealed record Remembered(TokenValidationResult Result, DateTimeOffset Until);
}
