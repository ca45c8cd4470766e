using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OrleansPlans.Silo.Hosting;

public static class SiloEndpoints
{
    /// <summary>Liveness (process only: no grains, no database) and readiness of a silo host.</summary>
    public static IEndpointRouteBuilder MapSiloEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Ok(new { status = "alive" }));
        app.MapGet("/readyz", (Readiness readiness) => readiness.IsReady ? Results.Ok(new { status = "ready" }) : Results.StatusCode(503));
        return app;
    }
}
