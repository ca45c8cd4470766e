using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Silo;

/// <summary>
/// A silo process for production: <c>dotnet OrleansPlans.Silo.dll</c> runs a silo;
/// <c>dotnet OrleansPlans.Silo.dll migrate</c> applies db/migrations and exits.
/// </summary>
public static class SiloProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "migrate")
        {
            return await MigrateAsync(args[1..]);
        }
        var builder = WebApplication.CreateBuilder(args);
        builder.AddOrleansPlansSilo();
        builder.AddOrleansPlansTelemetry();

        var app = builder.Build();
        app.MapSiloEndpoints();
        app.MapTelemetry();
        // The dashboard UI is served by the gateways, behind authorization (docs/security.md); silos only feed it
        // (AddDashboard), so no unauthenticated dashboard is reachable even through a port-forward.
        await app.RunAsync();
        return 0;
    }

    private static async Task<int> MigrateAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("migrate");
        var connectionString = builder.Configuration.GetConnectionString(SiloHostingExtensions.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            logger.LogError("migrate needs ConnectionStrings__OrleansPlans");
            return 2;
        }
        try
        {
            var applied = await new DatabaseMigrator(connectionString, logger).MigrateAsync(builder.Configuration["Migrations:Directory"]);
            logger.LogInformation("Database up to date ({Count} migration(s) applied)", applied.Count);
            return 0;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Migration failed");
            return 1;
        }
    }
}
