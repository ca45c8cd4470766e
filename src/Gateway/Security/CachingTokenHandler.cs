using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansPlans.Gateway.Security;

/// <summary>
/// The bearer token handler, remembering tokens it has validated: checking a token's signature, issuer, audience and
/// lifetime again on each request was a fifth of the gateway's CPU per roll-up read (docs/benchmarks.md, session 7).
/// A result is remembered as <see cref="RememberedTokens{T}"/> says (until expiry plus the clock skew, five minutes at
/// most); failures never are. Each request gets its own copy of the claims identity (events add identities to the
/// principal, never to a shared one). Tokens whose grant the token carries are answered earlier still, by
/// <see cref="PlansAuthenticationHandler"/>; this memory serves the others, whose role assignment
/// <c>OnTokenValidated</c> looks up on every request.
/// </summary>
public sealed class CachingTokenHandler(TimeProvider time) : JsonWebTokenHandler
{
    private readonly RememberedTokens<TokenValidationResult> _validated = new(time);
    private long _validations;

    /// <summary>Full validations run (not answered from memory), for tests and diagnostics.</summary>
    public long Validations => Interlocked.Read(ref _validations);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_validated.Find(token) is { } remembered)
        {
            return new TokenValidationResult
            {
                IsValid = true,
                ClaimsIdentity = remembered.ClaimsIdentity.Clone(),
                SecurityToken = remembered.SecurityToken,
                Issuer = remembered.Issuer,
                TokenType = remembered.TokenType,
            };
        }
        Interlocked.Increment(ref _validations);
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } validated && validated.ValidTo > DateTime.UnixEpoch)
        {
            // The stored identity is never handed out: callers get clones of it.
            _validated.Remember(token, new TokenValidationResult
            {
                IsValid = true,
                ClaimsIdentity = result.ClaimsIdentity.Clone(),
                SecurityToken = validated,
                Issuer = result.Issuer,
                TokenType = result.TokenType,
            }, Deadline(validated, validationParameters));
        }
        return result;
    }

    /// <summary>The last moment a validated token is honoured: its expiry plus the allowed clock skew.</summary>
    public static DateTimeOffset Deadline(SecurityToken token, TokenValidationParameters parameters) =>
        new DateTimeOffset(DateTime.SpecifyKind(token.ValidTo, DateTimeKind.Utc)) + parameters.ClockSkew;
}
