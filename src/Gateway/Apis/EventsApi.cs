using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// Server-sent events for live pages: one "rollup" event whenever an org unit's figures change.
/// </summary>
/// <remarks>
/// The gateway watches each requested org unit's contribution version (a cheap, interleaving grain read) every
/// 250 ms and emits an event when it moves, so an open page hears of a push well within a second without the grains
/// having to track subscribers, and a page reconnecting after a gateway restart simply resumes.
/// </remarks>
public static class EventsApi
{
    public const int MaxOrgUnits = 32;
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/events", StreamAsync)
            .WithTags("Live")
            .WithName("StreamEvents")
            .RequireOrgScopeFromQuery(OrgAccess.Read, "orgUnits")
            .WithSummary("Server-sent events: `rollup` with { orgUnit, at } whenever one of the given org units (orgUnits=510000,511700) changes")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task StreamAsync(HttpContext context, PlanData data, IGrainFactory grains, TimeProvider time, [FromQuery] string? orgUnits)
    {
        var codes = (orgUnits ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();
        var unknown = codes.Where(c => data.OrgUnit(c) is null).ToArray();
        if (codes.Length == 0 || codes.Length > MaxOrgUnits || unknown.Length > 0)
        {
            await ApiProblems.BadRequest(
                "orgUnits must list 1 to 32 known org unit codes",
                unknown.Length > 0 ? "unknown: " + string.Join(", ", unknown) : null).ExecuteAsync(context);
            return;
        }
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no"; // let reverse proxies pass events through unbuffered
        var ct = context.RequestAborted;
        var versions = new Dictionary<string, ContributionVersion>(StringComparer.Ordinal);
        await context.Response.WriteAsync("retry: 2000\n: connected\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
        var lastWrite = time.GetTimestamp();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                foreach (var code in codes)
                {
                    ContributionVersion version;
                    try
                    {
                        version = await VersionOf(grains, data.ViewedUnit(code)!);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        continue; // a silo moving the grain; the next poll will see it
                    }
                    if (versions.TryGetValue(code, out var seen) && seen == version)
                    {
                        continue;
                    }
                    var first = !versions.ContainsKey(code);
                    versions[code] = version;
                    if (!first)
                    {
                        var payload = JsonSerializer.Serialize(new { orgUnit = code, at = time.GetUtcNow() });
                        await context.Response.WriteAsync($"event: rollup\ndata: {payload}\n\n", ct);
                        lastWrite = time.GetTimestamp();
                    }
                }
                if (time.GetElapsedTime(lastWrite) > Heartbeat)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", ct);
                    lastWrite = time.GetTimestamp();
                }
                await context.Response.Body.FlushAsync(ct);
                await Task.Delay(PollInterval, time, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away.
        }
    }

    private static Task<ContributionVersion> VersionOf(IGrainFactory grains, OrgUnit unit) => unit.Level switch
    {
        OrgUnitLevel.County => grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(unit.Code)).GetVersionAsync(),
        OrgUnitLevel.Prefecture => grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit(unit.Code)).GetVersionAsync(),
        _ => grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(unit.Code)).GetVersionAsync(),
    };
}
