using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace OrleansPlans.Silo.Hosting;

public static class TelemetryExtensions
{
    /// <summary>
    /// ASP.NET Core's meters that operators use (docs/operations.md): requests by route and status, Kestrel's
    /// connections, routing, unhandled exceptions, rate-limiter rejections, authentication and authorization outcomes.
    /// Not AddAspNetCoreInstrumentation(), which also subscribes .NET 10's memory-pool meter: two measurements for
    /// every 4 KB block Kestrel rents and returns, ~3 % of the gateway's CPU per roll-up read (docs/benchmarks.md,
    /// session 10), for pool statistics the process and GC metrics already cover.
    /// </summary>
    public static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting", "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
    ];

    /// <summary>
    /// Log levels unless configured otherwise (docs/operations.md, "Logs"). The hosting layer's request log category is
    /// off, not just quiet: it writes only Information and Debug lines, which Warning hides anyway, but while any of
    /// its levels is enabled the hosting layer starts an Activity and a log scope for every request (~330 bytes and
    /// ~2 % of the gateway's CPU per roll-up read, session 11). Set it to Information to log each request.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> DefaultLogLevels = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
        ["Logging:LogLevel:Orleans"] = "Warning",
        // Category rules match by plain prefix: without this, "Orleans" would also silence OrleansPlans' own logs.
        ["Logging:LogLevel:OrleansPlans"] = "Information",
    };

    /// <summary>
    /// OpenTelemetry metrics (Orleans, ASP.NET Core, Npgsql, runtime, OrleansPlans) for Prometheus at /metrics, and
    /// traces (ASP.NET Core, Orleans, Npgsql) collected and exported over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    /// Logs are JSON lines when a connection string is configured (production), plain text in embedded mode.
    /// </summary>
    public static IHostApplicationBuilder AddOrleansPlansTelemetry(this IHostApplicationBuilder builder)
    {
        // Below every other configuration source, so appsettings, the environment and the command line override them.
        // In code rather than in appsettings.json: `dotnet run --project src/Gateway` has src/Gateway as its content
        // root, which has no appsettings.json, and logged every request at Information.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = DefaultLogLevels });
        if (builder.Configuration.UsesPostgres() && builder.Configuration["Logging:Console:FormatterName"] is null)
        {
            builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(PlansMetrics.MeterName, "Microsoft.Orleans")
                .AddMeter(AspNetCoreMeters)
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter());
        // Traces only where they are exported: an Orleans activity source with a listener makes every grain call
        // allocate and tag an Activity (~255 per county push), which nobody reads when no collector is configured.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => ctx.Request.Path != "/metrics" && ctx.Request.Path != "/healthz")
                .AddNpgsql()
                .AddOtlpExporter());
        }
        return builder;
    }

    public static WebApplication MapTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
