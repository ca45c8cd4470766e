using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Orleans.Runtime;
using Orleans.Storage;

namespace OrleansPlans.Gateway.Extensions;

public static class ApiExtensions
{
    /// <summary>Largest request body accepted (a county's full year is about 150 KB of JSON).</summary>
    public const long MaxBodyBytes = 4 * 1024 * 1024;

    public static WebApplicationBuilder AddPlansApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            // No exception details in any environment (the developer exception page included).
            ctx.ProblemDetails.Extensions.Remove("exception");
            ctx.ProblemDetails.Extensions.Remove("stackTrace");
        });
        // Malformed parameters are answered 400 ProblemDetails by the endpoint, not thrown (Development defaults to throwing).
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
        builder.Services.AddExceptionHandler<UnavailableExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        builder.Services.AddSingleton<OrleansPlans.Gateway.Apis.RollupResponseCache>();
        builder.Services.AddSingleton<OrleansPlans.Gateway.Apis.RollupGrains>();
        builder.Services.AddSingleton<OrleansPlans.Gateway.Apis.OrgUnitChangeFeed>();
        builder.Services.AddOptions<OrleansPlans.Gateway.Apis.PushAdmissionOptions>().Bind(builder.Configuration.GetSection("OrleansPlans:Pushes"));
        builder.Services.AddSingleton<OrleansPlans.Gateway.Apis.PushAdmission>();
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = MaxBodyBytes);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxBodyBytes);
        builder.Services.AddSingleton<Monitoring.MonitoringQueries>();
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new() { Title = "OrleansPlans API", Version = "v1", Description = "妇女儿童发展规划监测 — county pushes, live roll-ups, plans and the indicator catalogue." });
        });
        return builder;
    }

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        // The figures of a roll-up, hundreds per response, written in one pass (the same JSON as the lines above make).
        options.Converters.Add(new Model.RollupIndicatorJsonConverter());
    }

    public static WebApplication UsePlansApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        // Bodiless 4xx/5xx (401 challenges, 404/405 of routing, 415 of binding) become ProblemDetails — also for a
        // client that does not accept JSON (Accept: text/html), which the problem-details service alone would skip.
        app.UseStatusCodePages(async status =>
        {
            var http = status.HttpContext;
            var problem = new ProblemDetails
            {
                Status = http.Response.StatusCode,
                Title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(http.Response.StatusCode),
                Type = "https://orleans-plans.example/problems/" + http.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }))
            {
                problem.Instance = http.Request.Path;
                await http.Response.WriteAsJsonAsync(problem, (JsonSerializerOptions?)null, "application/problem+json");
            }
        });
        // The OpenAPI document and its UI, public as before; only requests under /swagger enter their middleware, which
        // otherwise matched every API request against its route template and page regex (~3 % of the gateway's CPU
        // per roll-up read, session 10's profile).
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase), swagger =>
        {
            swagger.UseSwagger();
            swagger.UseSwaggerUI(o => o.DocumentTitle = "OrleansPlans API");
        });
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Urls.Count > 0 ? string.Join(", ", app.Urls.Select(u => u.TrimEnd('/') + "/swagger")) : "/swagger";
            app.Logger.LogInformation("OrleansPlans gateway ready. Swagger UI: {Addresses}", addresses);
        });
        return app;
    }

    /// <summary>
    /// Storage or cluster trouble answers 503 (retry later) — never a 2xx for a write that was not stored, and never a
    /// stack trace. Anything else is a 500 ProblemDetails without internals.
    /// </summary>
    private sealed class UnavailableExceptionHandler(IProblemDetailsService problems, ILogger<UnavailableExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            // A request the framework could not bind or read (malformed query value, body too large, wrong content
            // type): the client's fault, answered with its own 4xx — never a 500, never a stack trace.
            if (exception is BadHttpRequestException bad)
            {
                context.Response.StatusCode = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
                return await problems.TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = context.Response.StatusCode,
                        Title = "Bad request",
                        Detail = bad.Message,
                        Type = "https://orleans-plans.example/problems/bad-request",
                    },
                });
            }
            // A cancellation the client did not ask for comes from the cluster (e.g. "message expired before placement
            // could complete" while a silo is being declared dead): retryable, like any other backend outage.
            var unavailable = IsUnavailable(exception)
                || (exception is OperationCanceledException && !context.RequestAborted.IsCancellationRequested);
            if (unavailable)
            {
                logger.LogWarning(exception, "Backend unavailable for {Path}", context.Request.Path);
            }
            else
            {
                logger.LogError(exception, "Unhandled error for {Path}", context.Request.Path);
            }
            context.Response.StatusCode = unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
            if (unavailable)
            {
                context.Response.Headers.RetryAfter = "5";
            }
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails = new ProblemDetails
                {
                    Status = context.Response.StatusCode,
                    Title = unavailable ? "Storage or cluster temporarily unavailable; nothing was acknowledged, retry later" : "Internal error",
                    Type = unavailable ? "https://orleans-plans.example/problems/unavailable" : "https://orleans-plans.example/problems/internal",
                },
            });
        }

        private static bool IsUnavailable(Exception e) => e switch
        {
            AggregateException a => a.InnerExceptions.Any(IsUnavailable),
            OrleansPlans.Contracts.StorageUnavailableException or InconsistentStateException or TimeoutException or SiloUnavailableException or OrleansMessageRejectionException
                or GatewayTooBusyException or OrleansException => true,
            System.Data.Common.DbException => true,
            _ => e.InnerException is not null && IsUnavailable(e.InnerException),
        };
    }
}
