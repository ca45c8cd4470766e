using Microsoft.Extensions.Logging;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans;

/// <summary>
/// Activates every province roll-up at silo start, which activates its cities and they their counties (each reads its
/// children's contributions). Without it the first reader of a province after a deploy or restart waits for the whole
/// hierarchy — ~200 activations for a province, ~3,200 nationally, each county reading its year rows — and
/// so does the first county push, whose city and province activate on its way up. After a restart of a province with
/// data this is the whole cold start (8.7–9.8 s in the benchmark); readiness now reports it instead of the open port.
/// </summary>
public sealed class RollupWarmup(IGrainFactory grains, PlanData data, ILogger<RollupWarmup> logger)
{
    /// <summary>
    /// Starts warming the given provinces and waits for it at most <paramref name="wait"/>; a warm-up still running
    /// then goes on in the background (a national cold start re-reads 2,854 counties' figures; readiness must not
    /// wait for all of them). Only the provinces a deployment serves: every county activation also registers its
    /// deadline reminder, and warming all 31 provinces of the division table for a one-province deployment cost a cold
    /// start 3 s (2,851 counties instead of 183).
    /// </summary>
    public async Task WarmAsync(IReadOnlyList<string> provinces, TimeSpan wait, CancellationToken cancellationToken)
    {
        foreach (var code in provinces)
        {
            if (data.OrgUnit(code) is not { Level: OrgUnitLevel.Province })
            {
                throw new InvalidOperationException($"Orleans:WarmProvinces: '{code}' is not a province-level division code (e.g. 510000)");
            }
        }
        if (wait <= TimeSpan.Zero || provinces.Count == 0)
        {
            return;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var warming = Task.WhenAll(provinces.Select(p => grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(p)).GetVersionAsync()));
        _ = warming.ContinueWith(t =>
        {
            if (t.IsFaulted)
            {
                // Not fatal: a roll-up that failed to activate is activated by its first reader or pushing county.
                logger.LogWarning(t.Exception, "Warming the province roll-ups failed after {Seconds:F1} s", clock.Elapsed.TotalSeconds);
            }
            else
            {
                logger.LogInformation("Province roll-ups warm: {Provinces} in {Seconds:F1} s", string.Join(", ", provinces), clock.Elapsed.TotalSeconds);
            }
        }, TaskScheduler.Default);
        try
        {
            await warming.WaitAsync(wait, cancellationToken);
        }
        catch (TimeoutException)
        {
            logger.LogInformation("Province roll-ups still warming after {Seconds:F0} s; marking ready, warming goes on", wait.TotalSeconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Logged by the continuation above.
        }
    }
}
