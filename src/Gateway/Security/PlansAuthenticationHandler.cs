using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace OrleansPlans.Gateway.Security;

/// <summary>
/// The gateway's default scheme. An API key goes to the API key scheme. A bearer token goes to the JWT bearer scheme,
/// except a token this gateway has already accepted whose grant (role, org unit, department) the token itself carries:
/// everything that acceptance checked — signature, issuer, audience, lifetime, the grant against the rules — depends on
/// the token alone, so the principal it produced is remembered (<see cref="RememberedTokens{T}"/>) and each request
/// gets a copy of it. The JWT bearer scheme's per-request work (its events, a copy of the validation parameters, the
/// grant check) was ~15 % of the gateway's CPU per roll-up read in session 10's profile. A token without a grant of its
/// own is never remembered here: its subject's role assignment can change at any moment, and is looked up each time.
/// </summary>
public sealed class PlansAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, GrantedTokens granted)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ApiKeyFormat.Presented(Request) is not null)
        {
            return await Context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
        }
        var token = BearerToken.Of(Request);
        if (!token.IsEmpty && granted.Find(token.Span) is { } principal)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(principal, JwtBearerDefaults.AuthenticationScheme));
        }
        var result = await Context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (result.Succeeded && GrantedTokens.DeadlineOf(Context) is { } deadline)
        {
            granted.Remember(token.ToString(), result.Principal, deadline);
        }
        return result;
    }

    // A 401 or 403 is answered by the scheme the credentials were meant for (its WWW-Authenticate, its error details).
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Context.ChallengeAsync(Target, properties);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Context.ForbidAsync(Target, properties);

    private string Target => ApiKeyFormat.Presented(Request) is not null ? ApiKeyAuthenticationHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme;
}

/// <summary>Principals of accepted tokens that carry their own grant (see <see cref="PlansAuthenticationHandler"/>).</summary>
public sealed class GrantedTokens(TimeProvider time)
{
    private static readonly object DeadlineKey = new();
    private readonly RememberedTokens<ClaimsPrincipal> _principals = new(time);

    /// <summary>
    /// Marks the request's token as one whose grant it carries and the validator found valid: the principal may be
    /// remembered until <paramref name="deadline"/> (the token's expiry plus the clock skew).
    /// </summary>
    public static void MarkGrantedByToken(HttpContext context, DateTimeOffset deadline) => context.Items[DeadlineKey] = deadline;

    public static DateTimeOffset? DeadlineOf(HttpContext context) =>
        context.Items.TryGetValue(DeadlineKey, out var value) && value is DateTimeOffset deadline ? deadline : null;

    /// <summary>A copy of the principal remembered for the token: what one request does to it is never seen by another.</summary>
    public ClaimsPrincipal? Find(ReadOnlySpan<char> token) => _principals.Find(token) is { } principal ? Copy(principal) : null;

    public void Remember(string token, ClaimsPrincipal principal, DateTimeOffset deadline) => _principals.Remember(token, Copy(principal), deadline);

    // ClaimsPrincipal.Clone() shares its identities (and so their claims) with the original: copy each identity too.
    private static ClaimsPrincipal Copy(ClaimsPrincipal principal)
    {
        var copy = new ClaimsPrincipal();
        foreach (var identity in principal.Identities)
        {
            copy.AddIdentity(identity.Clone());
        }
        return copy;
    }
}

/// <summary>Where a request's bearer token is: the Authorization header, or for the two GET paths a browser opens without headers, a cookie.</summary>
public static class BearerToken
{
    /// <summary>Cookie read for GET /api/v1/events and /dashboard only: EventSource and a browsed page cannot send headers.</summary>
    public const string Cookie = "plans_token";

    /// <summary>The token as the JWT bearer handler reads the header ("Bearer " in any case, trimmed); empty when there is none.</summary>
    public static ReadOnlyMemory<char> Of(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderNames.Authorization, out var values))
        {
            var authorization = values.ToString();
            return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization.AsMemory("Bearer ".Length).Trim() : default;
        }
        var path = request.Path;
        return HttpMethods.IsGet(request.Method) && (path.StartsWithSegments("/api/v1/events") || path.StartsWithSegments("/dashboard"))
            && request.Cookies.TryGetValue(Cookie, out var cookie) ? cookie.AsMemory() : default;
    }
}
