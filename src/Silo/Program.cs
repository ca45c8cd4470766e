using OrleansPlans.Silo.Hosting;

// A silo process for production: `dotnet OrleansPlans.Silo.dll` runs a silo, `… migrate` applies db/migrations.
var builder = WebApplication.CreateBuilder(args);
builder.AddOrleansPlansSilo();

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "alive" }));
app.MapGet("/readyz", (Readiness readiness) => readiness.IsReady ? Results.Ok(new { status = "ready" }) : Results.StatusCode(503));
app.Run();
