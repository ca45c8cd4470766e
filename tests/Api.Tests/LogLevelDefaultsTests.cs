using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Api.Tests;

/// <summary>
/// The log levels of every process (silo and gateway) come from code, below all configuration: the same for
/// `dotnet run --project src/Gateway`, whose content root has no appsettings.json, and overridable as usual.
/// </summary>
public sealed class LogLevelDefaultsTests
{
    private const string HostingRequests = "Microsoft.AspNetCore.Hosting.Diagnostics";

    [Fact]
    public void Without_configuration_requests_are_not_logged_and_the_hosting_layer_has_no_log_level_enabled()
    {
        using var host = Build([]);
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();
        // Not even Critical: while any level is on, the hosting layer starts an Activity and a log scope per request.
        Assert.False(loggers.CreateLogger(HostingRequests).IsEnabled(LogLevel.Critical));
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Warning));
        Assert.False(loggers.CreateLogger("Orleans.Runtime.Silo").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("OrleansPlans.Gateway").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void Configuration_overrides_the_defaults()
    {
        using var host = Build([$"--Logging:LogLevel:{HostingRequests}=Information", "--Logging:LogLevel:Orleans=Information"]);
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();
        Assert.True(loggers.CreateLogger(HostingRequests).IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Orleans.Runtime.Silo").IsEnabled(LogLevel.Information));
    }

    private static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddOrleansPlansTelemetry();
        return builder.Build();
    }
}
