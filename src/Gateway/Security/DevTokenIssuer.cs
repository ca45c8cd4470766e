using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Apis;

namespace OrleansPlans.Gateway.Security;

/// <summary>Configuration section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>OIDC authority (discovery document and signing keys), e.g. https://idp.example/realms/plans.</summary>
    public string? Authority { get; set; }

    /// <summary>Expected <c>iss</c>; defaults to the authority's, or "orleans-plans" with a symmetric key.</summary>
    public string? Issuer { get; set; }

    /// <summary>Expected <c>aud</c>.</summary>
    public string Audience { get; set; } = "orleans-plans";

    /// <summary>A symmetric HS256 key (base64, at least 32 bytes) that tokens may be signed with (dev issuer, tests, a trusted in-house issuer).</summary>
    public string? SigningKey { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>How long an API key lookup is cached per gateway (a revocation elsewhere takes effect within this).</summary>
    public int ApiKeyCacheSeconds { get; set; } = 10;

    public DevIssuerOptions DevIssuer { get; set; } = new();

    /// <summary>
    /// The first administrator of a fresh installation whose IdP issues no role claims: this token subject is a
    /// province administrator at <see cref="BootstrapAdminOrgUnit"/> until a role assignment says otherwise.
    /// </summary>
    public string? BootstrapAdminSubject { get; set; }

    public string? BootstrapAdminOrgUnit { get; set; }

    public RateLimitOptions RateLimit { get; set; } = new();

    public const string DefaultIssuer = "orleans-plans";

    public string EffectiveIssuer => Issuer ?? DefaultIssuer;
}

public sealed class DevIssuerOptions
{
    /// <summary>Null: on in embedded mode, off with a database. It can never be switched on with a database.</summary>
    public bool? Enabled { get; set; }

    public int LifetimeMinutes { get; set; } = 480;
}

public sealed class RateLimitOptions
{
    /// <summary>Requests per second per API key or token subject (token bucket refill).</summary>
    public int PermitsPerSecond { get; set; } = 500;

    /// <summary>Bucket size: a burst a client may send at once.</summary>
    public int Burst { get; set; } = 1000;

    /// <summary>Requests per second per client address for callers without valid credentials.</summary>
    public int AnonymousPermitsPerSecond { get; set; } = 50;
}

/// <summary>
/// The development issuer of embedded mode: mints HS256 tokens for any role and scope with the configured (or a
/// per-process random) symmetric key, so the demo and its web UI work out of the box. Never available with a database.
/// </summary>
public sealed class DevTokenIssuer(AuthOptions options, SymmetricSecurityKey key, TimeProvider time)
{
    /// <summary>The key tokens are signed with (tests sign IdP-like tokens with it).</summary>
    public SymmetricSecurityKey SigningKey => key;

    public sealed record TokenRequest(string? Role, string? OrgUnit, string? Department, string? Subject);

    public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string Role, string OrgUnit, string? Department, string Subject);

    public TokenResponse Issue(string role, string orgUnit, string? department, string? subject)
    {
        var now = time.GetUtcNow();
        var lifetime = TimeSpan.FromMinutes(options.DevIssuer.LifetimeMinutes);
        subject ??= $"dev:{role}@{orgUnit}" + (department is null ? "" : "/" + department);
        var claims = new Dictionary<string, object>
        {
            [PlansClaims.Role] = role,
            [PlansClaims.OrgUnit] = orgUnit,
            [PlansClaims.Name] = subject,
        };
        if (department is not null)
        {
            claims[PlansClaims.Department] = department;
        }
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.EffectiveIssuer,
            Audience = options.Audience,
            Subject = new ClaimsIdentity([new Claim(PlansClaims.Subject, subject)]),
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
        return new TokenResponse(token, "Bearer", (int)lifetime.TotalSeconds, role, orgUnit, department, subject);
    }

    /// <summary>The configured key, or (dev issuer without a configured key) 32 random bytes for this process.</summary>
    public static SymmetricSecurityKey? KeyOf(AuthOptions options, bool devIssuer)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            var bytes = Convert.FromBase64String(options.SigningKey);
            if (bytes.Length < 32)
            {
                throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes (base64)");
            }
            return new SymmetricSecurityKey(bytes);
        }
        return devIssuer ? new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) : null;
    }

    public static IEndpointRouteBuilder MapDevTokenApi(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/dev/tokens", Results<Ok<TokenResponse>, ProblemHttpResult> (HttpContext http, DevTokenIssuer issuer, PlanData data, StrictBody<TokenRequest> body) =>
            {
                if (body.Problem is { } problem)
                {
                    return problem;
                }
                var request = body.Value!;
                if (Roles.InvalidGrant(data, request.Role, request.OrgUnit, request.Department) is { } error)
                {
                    return ApiProblems.BadRequest("Cannot issue this token", error);
                }
                return TypedResults.Ok(issuer.Issue(request.Role!, request.OrgUnit!, request.Department, request.Subject is { Length: > 0 and <= 200 } s ? s : null));
            })
            .WithTags("Development")
            .WithName("IssueDevToken")
            .WithSummary("Embedded mode only: a bearer token for a role and org unit (development issuer; not available with a database)")
            .AllowAnonymous();
        return app;
    }
}
