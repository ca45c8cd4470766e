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
/// having to track subscribers, and a page reconnecting after a gateway restart simply resumes. One watcher per unit
/// serves every stream of this gateway (<see cref="OrgUnitChangeFeed"/>).
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

    private static async Task StreamAsync(HttpContext context, PlanData data, OrgUnitChangeFeed feed, TimeProvider time, [FromQuery] string? orgUnits)
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
        var followed = codes.Select(c => feed.Follow(data.ViewedUnit(c)!)).ToArray();
        try
        {
            // The versions known when the stream opens are where it starts; a unit whose watcher has not answered yet
            // starts at its first answer. Only later changes are events.
            var seen = followed.Select(f => f.Version).ToArray();
            await context.Response.WriteAsync("retry: 2000\n: connected\n\n", ct);
            await context.Response.Body.FlushAsync(ct);
            var lastWrite = time.GetTimestamp();
            while (!ct.IsCancellationRequested)
            {
                // Taken before the versions are compared, so a change between the two is not missed.
                var next = Task.WhenAny(followed.Select(f => f.Changed));
                var wrote = false;
                for (var i = 0; i < followed.Length; i++)
                {
                    if (followed[i].Version is not { } version || seen[i] == version)
                    {
                        continue;
                    }
                    var first = seen[i] is null;
                    seen[i] = version;
                    if (!first)
                    {
                        var payload = JsonSerializer.Serialize(new { orgUnit = followed[i].Code, at = time.GetUtcNow() });
                        await context.Response.WriteAsync($"event: rollup\ndata: {payload}\n\n", ct);
                        wrote = true;
                    }
                }
                if (!wrote && time.GetElapsedTime(lastWrite) >= Heartbeat)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", ct);
                    wrote = true;
                }
                if (wrote)
                {
                    await context.Response.Body.FlushAsync(ct);
                    lastWrite = time.GetTimestamp();
                }
                try
                {
                    var untilHeartbeat = Heartbeat - time.GetElapsedTime(lastWrite);
                    await next.WaitAsync(untilHeartbeat > TimeSpan.Zero ? untilHeartbeat : TimeSpan.Zero, time, ct);
                }
                catch (TimeoutException)
                {
                    // Time for a keep-alive.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away.
        }
        finally
        {
            foreach (var f in followed)
            {
                f.Dispose();
            }
        }
    }
}
