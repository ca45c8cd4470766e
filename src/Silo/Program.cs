using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Silo;

/// <summary>A silo process for production: <c>dotnet OrleansPlans.Silo.dll</c> runs a silo.</summary>
public static class SiloProgram
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddOrleansPlansSilo();

        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Ok(new { status = "alive" }));
        app.MapGet("/readyz", (Readiness readiness) => readiness.IsReady ? Results.Ok(new { status = "ready" }) : Results.StatusCode(503));
        app.Run();
    }
}
