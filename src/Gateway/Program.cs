using OrleansPlans.Gateway.Apis;
using OrleansPlans.Silo.Hosting;
using OrleansPlans.Gateway.Extensions;
using OrleansPlans.Gateway.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrleansPlansBackend();
builder.AddOrleansPlansTelemetry();
builder.AddPlansApi();
builder.AddPlansSecurity();

var app = builder.Build();
app.UsePlansApi();
app.MapWebUi();          // static files before authentication: the page itself is public, its API calls are not
app.UsePlansSecurity();
app.MapHealthApi();
app.MapOperationsEndpoints(); // /metrics and the Orleans dashboard, for operators and administrators
app.MapSecurityApi();
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
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the API tests.</summary>
public partial class Program;
