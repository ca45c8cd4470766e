using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Synthetic;

namespace OrleansPlans.Silo.Hosting;

/// <summary>
/// Loads the synthetic demo province (default 四川省 510000, years 2020–2025) through the same grain calls a county
/// system's push makes. Enabled by Demo:Enabled (on by default in embedded mode).
/// </summary>
public sealed class DemoProvinceLoader(
    IGrainFactory grains,
    PlanData data,
    IConfiguration configuration,
    ILogger<DemoProvinceLoader> logger)
{
    /// <summary>The demo province's code when the demo is enabled.</summary>
    public string? Province => configuration.GetValue("Demo:Enabled", !configuration.UsesPostgres()) ? configuration["Demo:Province"] ?? "510000" : null;

    public async Task LoadIfEnabledAsync(CancellationToken stoppingToken)
    {
        if (Province is not { } province)
        {
            return;
        }
        var firstYear = configuration.GetValue("Demo:FirstYear", 2020);
        var lastYear = configuration.GetValue("Demo:LastYear", 2025);
        var generator = new SyntheticFigures(data, configuration.GetValue("Demo:Seed", 20_211));
        var counties = data.LeavesOf(province).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var values = 0;
        await Parallel.ForEachAsync(counties, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken }, async (county, ct) =>
        {
            for (var year = firstYear; year <= lastYear; year++)
            {
                var rows = generator.ForCounty(county.Code, year);
                var summary = await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(county.Code))
                    .PushAsync(new DataValueBatch(Guid.NewGuid(), SyntheticFigures.Principal, rows, DryRun: false));
                if (!summary.Accepted)
                {
                    logger.LogError("Demo batch for {County} {Year} rejected: {Errors}", county.Code, year, string.Join("; ", summary.Errors.Take(5)));
                }
                Interlocked.Add(ref values, rows.Length);
            }
        });
        // Each county evaluates a push's warnings 5 s after it (MonitoringOptions.WarningDelay); have them do it now, so
        // that the demo is ready with its early warnings and its first visitor does not share the silo with that work.
        await Parallel.ForEachAsync(counties, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken }, async (county, ct) =>
            await grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(county.Code)).GetWarningsAsync(new WarningFilter(Limit: 1)));
        logger.LogInformation("Demo province {Province}: {Counties} counties, {Values} synthetic values for {First}–{Last} loaded and evaluated in {Seconds:F1} s",
            province, counties.Length, values, firstYear, lastYear, clock.Elapsed.TotalSeconds);
    }
}
