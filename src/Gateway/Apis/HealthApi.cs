using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Gateway.Apis;

public static class HealthApi
{
    /// <summary>Liveness touches neither grains nor the database; readiness waits for the backend (and demo data).</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" })).WithTags("Health").ExcludeFromDescription().AllowAnonymous();
        app.MapGet("/readyz", IResult (Readiness readiness) => readiness.IsReady
                ? TypedResults.Ok(new { status = "ready" })
                : TypedResults.Problem(title: "Starting: the backend or the demo data is not ready yet", statusCode: StatusCodes.Status503ServiceUnavailable))
            .WithTags("Health").ExcludeFromDescription().AllowAnonymous();
        return app;
    }
}
