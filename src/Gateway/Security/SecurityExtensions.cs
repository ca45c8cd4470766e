using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Orleans.Dashboard;
using OrleansPlans.Gateway.Apis;
using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Gateway.Security;

/// <summary>
/// Authentication (JWT bearer from any OIDC provider or a symmetric key; API keys), authorization by role and
/// org-unit scope, the audit trail and key/role registries (PostgreSQL with a database, in memory embedded), the
/// development issuer of embedded mode, and per-caller rate limiting. See docs/security.md.
/// </summary>
public static class SecurityExtensions
{
    public const string Scheme = "Plans";

    public static WebApplicationBuilder AddPlansSecurity(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        var embedded = !builder.Configuration.UsesPostgres();
        // The development issuer mints tokens for anyone: only ever in embedded mode, whatever the configuration says.
        var devIssuer = embedded && (options.DevIssuer.Enabled ?? true);
        var signingKey = DevTokenIssuer.KeyOf(options, devIssuer);
        builder.Services.AddSingleton(options);
        builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection("Auth"));
        if (devIssuer)
        {
            builder.Services.AddSingleton(sp => new DevTokenIssuer(options, signingKey!, sp.GetRequiredService<TimeProvider>()));
        }
        builder.Services.AddSingleton(new SecurityMode(devIssuer));

        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = Scheme;
                o.DefaultChallengeScheme = Scheme;
            })
            .AddScheme<AuthenticationSchemeOptions, PlansAuthenticationHandler>(Scheme, "Bearer token or API key", null)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(o => ConfigureBearer(o, options, signingKey));
        builder.Services.AddSingleton<CachingTokenHandler>();
        builder.Services.AddSingleton<GrantedTokens>();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<CachingTokenHandler>((o, handler) =>
        {
            handler.MapInboundClaims = o.MapInboundClaims;
            o.TokenHandlers.Clear();
            o.TokenHandlers.Add(handler);
        });
        builder.Services.AddAuthorization(Policies.Configure);
        builder.Services.AddSingleton<IAuthorizationHandler, OrgScopeHandler>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        builder.Services.AddSingleton<OrgScope>();
        builder.Services.AddSingleton<ApiKeyCache>();
        builder.Services.AddSingleton(TimeProvider.System);

        if (embedded)
        {
            builder.Services.AddSingleton<IAuditLog, InMemoryAuditLog>();
            builder.Services.AddSingleton<IApiKeyStore, InMemoryApiKeyStore>();
            builder.Services.AddSingleton<IRoleAssignmentStore, InMemoryRoleAssignmentStore>();
            builder.Services.AddSingleton<IDataValueLedgerReader, InMemoryLedgerReader>();
        }
        else
        {
            var connectionString = builder.Configuration.GetConnectionString(SiloHostingExtensions.ConnectionStringName)!;
            builder.Services.AddSingleton(new SecurityDatabase(NpgsqlDataSource.Create(connectionString)));
            builder.Services.AddSingleton<IAuditLog, PostgresAuditLog>();
            builder.Services.AddSingleton<IApiKeyStore, PostgresApiKeyStore>();
            builder.Services.AddSingleton<IRoleAssignmentStore, PostgresRoleAssignmentStore>();
            builder.Services.AddSingleton<IDataValueLedgerReader, PostgresLedgerReader>();
        }
        builder.Services.AddRateLimiter(o => ConfigureRateLimiting(o, options.RateLimit));
        return builder;
    }

    private static void ConfigureBearer(JwtBearerOptions o, AuthOptions options, SecurityKey? signingKey)
    {
        o.MapInboundClaims = false;
        if (!string.IsNullOrWhiteSpace(options.Authority))
        {
            o.Authority = options.Authority;
            o.RequireHttpsMetadata = options.RequireHttpsMetadata;
        }
        o.Audience = options.Audience;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuers = options.Issuer is not null ? [options.Issuer] : string.IsNullOrWhiteSpace(options.Authority) ? [AuthOptions.DefaultIssuer] : null,
            ValidateAudience = true,
            ValidAudience = options.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            IssuerSigningKey = signingKey,
            ValidAlgorithms = signingKey is null ? null : [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
            NameClaimType = PlansClaims.Subject,
            RoleClaimType = PlansClaims.Role,
            ClockSkew = TimeSpan.FromMinutes(1),
        };
        o.Events = new JwtBearerEvents
        {
            OnMessageReceived = ctx =>
            {
                // The token PlansAuthenticationHandler looked up, read the same way (the header, or the cookie).
                var token = BearerToken.Of(ctx.Request);
                ctx.Token = token.IsEmpty ? null : token.ToString();
                return Task.CompletedTask;
            },
            OnTokenValidated = async ctx =>
            {
                var user = ctx.Principal!;
                var grant = PrincipalClaims.Of(user);
                if (grant.Roles > 0)
                {
                    // A principal is one role at one unit; a token that grants something the rules never grant (a
                    // reporter at a province, two roles, an unknown department) is refused rather than half-trusted.
                    var data = ctx.HttpContext.RequestServices.GetRequiredService<OrleansPlans.Domain.PlanData>();
                    if (grant.Roles > 1 || grant.OrgUnits != 1 || grant.Departments > 1
                        || Roles.InvalidGrant(data, grant.Role!, grant.OrgUnit!, grant.Department) is not null)
                    {
                        ctx.Fail("the token's role, org_unit and department claims are not a valid grant");
                        return;
                    }
                    // Everything checked here depends on the token alone: its principal may be remembered.
                    GrantedTokens.MarkGrantedByToken(ctx.HttpContext, CachingTokenHandler.Deadline(ctx.SecurityToken, ctx.Options.TokenValidationParameters));
                    return;
                }
                if (grant.Subject is not { } subject)
                {
                    return;
                }
                // Tokens of an IdP that knows nothing of our roles: the administrator's role assignment of the subject,
                // or, on a fresh installation, the configured bootstrap administrator.
                var assignments = ctx.HttpContext.RequestServices.GetRequiredService<IRoleAssignmentStore>();
                var assignment = await assignments.FindAsync(subject, ctx.HttpContext.RequestAborted);
                if (assignment is null && options.BootstrapAdminSubject is { Length: > 0 } bootstrap && bootstrap == subject && options.BootstrapAdminOrgUnit is { } unit)
                {
                    assignment = new RoleAssignment(subject, Roles.ProvinceAdmin, unit, null, DateTimeOffset.UnixEpoch, "configuration");
                }
                if (assignment is not null)
                {
                    var identity = new System.Security.Claims.ClaimsIdentity([
                        new(PlansClaims.Role, assignment.Role), new(PlansClaims.OrgUnit, assignment.OrgUnit),
                        .. assignment.Department is null ? Array.Empty<System.Security.Claims.Claim>() : [new(PlansClaims.Department, assignment.Department)]]);
                    user.AddIdentity(identity);
                }
            },
        };
    }

    private static void ConfigureRateLimiting(RateLimiterOptions o, RateLimitOptions limits)
    {
        // Partition keys are (kind, id) pairs rather than concatenated strings, and the bucket factories are made once:
        // both are needed on every request.
        Func<(string, string), TokenBucketRateLimiterOptions> callerBucket = _ => Bucket(limits.PermitsPerSecond, limits.Burst);
        Func<(string, string), TokenBucketRateLimiterOptions> anonymousBucket = _ => Bucket(limits.AnonymousPermitsPerSecond, limits.AnonymousPermitsPerSecond * 2);
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, (string Kind, string Id)>(ctx =>
        {
            var path = ctx.Request.Path;
            if (path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz"))
            {
                return RateLimitPartition.GetNoLimiter(("probes", ""));
            }
            // Per API key, else per token subject; callers without valid credentials share a bucket per address.
            var user = ctx.User;
            if (user.Identity?.IsAuthenticated == true)
            {
                return RateLimitPartition.GetTokenBucketLimiter(("principal", PlansPrincipal.SubjectOf(user)), callerBucket);
            }
            var address = ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            return RateLimitPartition.GetTokenBucketLimiter(("anonymous", address), anonymousBucket);
        });
        o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        o.OnRejected = async (ctx, cancellationToken) =>
        {
            var retryAfter = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
            var http = ctx.HttpContext;
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = $"Rate limit of this key or principal exceeded; retry after {retryAfter} s.",
                    Type = ApiProblems.TypeBase + "rate-limited",
                },
            });
        };
    }

    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = Math.Max(1, burst),
        TokensPerPeriod = Math.Max(1, perSecond),
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>Authentication, then the rate limiter (partitioned by the authenticated caller), then authorization.</summary>
    public static WebApplication UsePlansSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The admin API and, in embedded mode, the development issuer.</summary>
    public static WebApplication MapSecurityApi(this WebApplication app)
    {
        app.MapAdminApi();
        if (app.Services.GetRequiredService<SecurityMode>().DevIssuer)
        {
            DevTokenIssuer.MapDevTokenApi(app);
            app.Logger.LogWarning("Development token issuer enabled (embedded mode): POST /api/v1/dev/tokens mints tokens for any role. Never expose this gateway.");
        }
        return app;
    }
}

/// <summary>Whether this gateway runs the development issuer (embedded mode).</summary>
public sealed record SecurityMode(bool DevIssuer);

public static class OperationsEndpoints
{
    /// <summary>
    /// Prometheus metrics and the Orleans dashboard behind the operations policy (province administrators and the
    /// operator role; a scraper uses an operator API key as a bearer credential).
    /// </summary>
    public static WebApplication MapOperationsEndpoints(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(Policies.Operations);
        if (Silo.Hosting.OrleansPlansHostOptions.From(app.Configuration).Dashboard)
        {
            app.MapOrleansDashboard("/dashboard").RequireAuthorization(Policies.Operations);
        }
        return app;
    }
}
