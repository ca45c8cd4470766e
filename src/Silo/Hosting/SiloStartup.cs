using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace OrleansPlans.Silo.Hosting;

/// <summary>
/// What a silo does once it has joined the cluster, before it reports ready (/readyz): warm the roll-ups of the
/// provinces it serves (<see cref="OrleansPlansHostOptions.WarmProvinces"/>, or the demo province in embedded mode;
/// bounded by <see cref="OrleansPlansHostOptions.WarmRollupsFor"/>), then load the demo province when enabled.
/// </summary>
public sealed class SiloStartup(
    RollupWarmup warmup,
    DemoProvinceLoader demo,
    Readiness readiness,
    IOptions<OrleansPlansHostOptions> options,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }
        string[] provinces = options.Value.WarmProvinces is { Length: > 0 } configured ? configured
            : demo.Province is { } demoProvince ? [demoProvince] : [];
        await warmup.WarmAsync(provinces, options.Value.WarmRollupsFor, stoppingToken);
        await demo.LoadIfEnabledAsync(stoppingToken);
        readiness.MarkReady();
    }
}
