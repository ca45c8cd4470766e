using Orleans.Dashboard;
using OrleansPlans.Silo.Hosting;
using OrleansPlans.Gateway.Apis;
using OrleansPlans.Gateway.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrleansPlansBackend();
builder.AddOrleansPlansTelemetry();
builder.AddPlansApi();

var app = builder.Build();
app.UsePlansApi();
app.MapHealthApi();
app.MapTelemetry();
app.MapOrleansDashboard("/dashboard");
app.MapCatalogueApi();
app.MapDataValuesApi();
app.MapRollupApi();
app.MapCountyApi();
app.MapPlansApi();
app.MapMonitoringApi();
app.MapApprovalApi();
app.MapMeasuresApi();
app.MapReportsApi();
app.MapEventsApi();
app.MapWebUi();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the API tests.</summary>
public partial class Program;
