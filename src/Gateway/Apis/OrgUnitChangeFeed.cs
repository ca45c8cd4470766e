using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;

namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// One watcher per org unit for every event stream of this gateway: while at least one stream follows a unit, the
/// gateway reads its contribution version every <see cref="EventsApi.PollInterval"/> and tells each stream when it
/// moves. Before, each stream polled on its own: N open pages on a province made 4·N version calls a second and
/// heard of a change at N different moments, so their reloads never overlapped and could not share work. Now the
/// calls are 4 a second per unit whatever the number of pages, and every page of a unit hears of a change at once.
/// </summary>
public sealed class OrgUnitChangeFeed(IGrainFactory grains, TimeProvider time, ILogger<OrgUnitChangeFeed> logger)
{
    private readonly ConcurrentDictionary<string, Watch> _watches = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _polls;

    private TimeProvider Time => time;

    private ILogger Logger => logger;

    /// <summary>Version reads made by the watchers so far (for tests and diagnostics).</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <summary>Units watched now.</summary>
    public int Watched => _watches.Count;

    /// <summary>Follows a unit until the returned subscription is disposed; the watcher stops with its last follower.</summary>
    public Subscription Follow(OrgUnit unit)
    {
        lock (_gate)
        {
            if (!_watches.TryGetValue(unit.Code, out var watch))
            {
                watch = new Watch(this, unit);
                _watches[unit.Code] = watch;
                watch.Start();
            }
            watch.Followers++;
            return new Subscription(this, watch);
        }
    }

    private void Leave(Watch watch)
    {
        lock (_gate)
        {
            if (--watch.Followers == 0)
            {
                _watches.TryRemove(watch.Unit.Code, out _);
                watch.Stop();
            }
        }
    }

    private Task<ContributionVersion> VersionOf(OrgUnit unit) => unit.Level switch
    {
        OrgUnitLevel.County => grains.GetGrain<ICountyGrain>(GrainKeys.OrgUnit(unit.Code)).GetVersionAsync(),
        OrgUnitLevel.Prefecture => grains.GetGrain<ICityGrain>(GrainKeys.OrgUnit(unit.Code)).GetVersionAsync(),
        _ => grains.GetGrain<IProvinceGrain>(GrainKeys.OrgUnit(unit.Code)).GetVersionAsync(),
    };

    /// <summary>A stream's hold on a unit's watcher: the version last read, and a task completed at the next change.</summary>
    public sealed class Subscription(OrgUnitChangeFeed feed, Watch watch) : IDisposable
    {
        private int _disposed;

        public string Code => watch.Unit.Code;

        /// <summary>The version the watcher read last; null before its first read answered.</summary>
        public ContributionVersion? Version => watch.Version;

        /// <summary>Completes when the watcher next reads a version different from <see cref="Version"/>.</summary>
        public Task Changed => watch.Changed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Leave(watch);
            }
        }
    }

    public sealed class Watch(OrgUnitChangeFeed feed, OrgUnit unit)
    {
        private readonly CancellationTokenSource _stop = new();
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private StrongBox<ContributionVersion>? _version;

        public OrgUnit Unit => unit;

        /// <summary>Streams following the unit (guarded by the feed's lock).</summary>
        public int Followers { get; set; }

        public ContributionVersion? Version => Volatile.Read(ref _version)?.Value;

        public Task Changed => Volatile.Read(ref _next).Task;

        public void Start() => _ = Task.Run(PollAsync);

        public void Stop() => _stop.Cancel();

        private async Task PollAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    Interlocked.Increment(ref feed._polls);
                    var version = await feed.VersionOf(unit);
                    if (Volatile.Read(ref _version) is not { } seen || seen.Value != version)
                    {
                        Volatile.Write(ref _version, new StrongBox<ContributionVersion>(version));
                        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A silo moving the grain, or shutting down: the next poll will see it.
                    feed.Logger.LogDebug(e, "Version read of {OrgUnit} for its event streams failed", unit.Code);
                }
                try
                {
                    await Task.Delay(EventsApi.PollInterval, feed.Time, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            _stop.Dispose();
        }
    }
}
