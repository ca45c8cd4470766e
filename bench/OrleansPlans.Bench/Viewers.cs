using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace OrleansPlans.Bench;

/// <summary>What the open pages saw during the ingest (--viewers, --county-viewers).</summary>
/// <param name="Pages">Which pages: "32 pages of 510000", "183 county pages", or both.</param>
/// <param name="Events">`rollup` events received over all streams.</param>
/// <param name="Refreshes">Page refreshes completed (every request of the page answered).</param>
/// <param name="Refresh">From the first event of a refresh to its last response (includes the page's 30 ms debounce).</param>
/// <param name="Requests">Requests of the reloads (the first load of each page, before the ingest, is not counted).</param>
/// <param name="ByRequest">Latency of each kind of request the page makes.</param>
public sealed record ViewerResult(
    int Viewers, string Pages, double Seconds, long Events, long Refreshes, LatencySummary Refresh,
    IReadOnlyDictionary<string, LatencySummary> ByRequest, long Requests, long NotModified, long WireBytes,
    IReadOnlyDictionary<string, int> Errors, int StreamsOpen)
{
    public double RefreshesPerViewerPerSecond => Viewers == 0 || Seconds <= 0 ? 0 : Refreshes / (double)Viewers / Seconds;
}

/// <summary>An open page of the web UI: the org unit its event stream follows and the requests of one reload.</summary>
public sealed record PageSpec(string OrgUnit, IReadOnlyList<(string Kind, string Path)> Requests)
{
    /// <summary>A city's or province's page (app.js loadOrg): roll-up with children, key indicator series, warnings.</summary>
    public static PageSpec Aggregate(string code) => new(code,
    [
        ("roll-up with children", $"api/v1/org-units/{code}/rollup?children=true"),
        .. LiveViewers.KeyIndicators.Select(i => ("key indicator series", $"api/v1/org-units/{code}/indicators/{i}")),
        ("warnings (limit 10)", $"api/v1/org-units/{code}/warnings?limit=10"),
    ]);

    /// <summary>A county's page (app.js loadOrg for a county): the same, plus each of its plans (seeded counties have them).</summary>
    public static PageSpec County(string code, IEnumerable<string> plans) => new(code,
    [
        .. plans.Select(p => ("county plan", $"api/v1/counties/{code}/plans/{p}")),
        .. Aggregate(code).Requests.Select(r => r.Kind == "roll-up with children" ? ("county roll-up", r.Path) : r),
    ]);
}

/// <summary>
/// People with a page of the web UI open while the counties push: committee members on the province page (--viewers N)
/// and each county's staff on their county's page (--county-viewers). Each page does what the web UI's live page does
/// (wwwroot/js/app.js). It holds a server-sent event stream of its org unit; on a `rollup` event it waits 30 ms for more
/// (the page's debounce), then reloads the page's figures — for the province the roll-up with each child's
/// contribution, the eight key indicators' series and the ten newest warnings — at most one reload at a time, with
/// If-None-Match for what it already holds (a browser's HTTP cache revalidates no-cache responses so). Bodies are
/// received as sent (gzip where the gateway compresses), not inflated: the browsers run on the people's own machines.
/// </summary>
public sealed class LiveViewers(Uri gateway, IReadOnlyList<PageSpec> specs, string description, Action<string> progress)
{
    /// <summary>The page's key indicator cards (wwwroot/js/components.js KEY_INDICATORS).</summary>
    public static readonly string[] KeyIndicators =
    [
        "maternal-mortality-rate", "infant-mortality-rate", "under5-mortality-rate", "neonatal-mortality-rate",
        "cervical-cancer-screening-rate", "breast-cancer-screening-rate", "maternal-systematic-management-rate",
        "under3-systematic-management-rate",
    ];

    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(30);

    private readonly ConcurrentDictionary<string, int> _errors = new(StringComparer.Ordinal);
    private long _events, _requests, _notModified, _wireBytes;
    private int _streamsOpen;

    /// <summary>Opens the streams and loads each page once (not measured), then runs until <paramref name="stop"/>.</summary>
    public async Task<Func<Task<ViewerResult>>> StartAsync(CancellationToken stop)
    {
        // A browser opens at most 6 connections per host over HTTP/1.1; the stream holds one of them.
        var http = Http.Client(gateway, TimeSpan.FromSeconds(60), specs.Count * 7);
        var pages = specs.Select(spec => new Page(this, spec, http)).ToArray();
        await Task.WhenAll(pages.Select(p => p.RefreshAsync(record: null, CancellationToken.None)));
        var clock = Stopwatch.StartNew();
        var running = pages.Select(p => Task.Run(() => p.RunAsync(stop))).ToArray();
        progress($"viewers: {description} (event stream + {string.Join(" or ", specs.Select(p => p.Requests.Count).Distinct())} requests per reload)");
        return async () =>
        {
            await Task.WhenAll(running);
            var seconds = clock.Elapsed.TotalSeconds;
            http.Dispose();
            var byRequest = pages.SelectMany(p => p.ByKind).GroupBy(x => x.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Recorder.Merge(g.Select(x => x.Value)), StringComparer.Ordinal);
            return new ViewerResult(specs.Count, description, seconds, Interlocked.Read(ref _events), pages.Sum(p => p.Refreshes.Samples.Count),
                Recorder.Merge(pages.Select(p => p.Refreshes)), byRequest, Interlocked.Read(ref _requests), Interlocked.Read(ref _notModified),
                Interlocked.Read(ref _wireBytes), new Dictionary<string, int>(_errors), Volatile.Read(ref _streamsOpen));
        };
    }

    private void Error(string what) => _errors.AddOrUpdate(what, 1, (_, n) => n + 1);

    /// <summary>One open page: its stream, its cache of validators and its reloads.</summary>
    private sealed class Page(LiveViewers owner, PageSpec spec, HttpClient http)
    {
        private readonly Dictionary<string, string> _etags = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _changed = new(0, 1);
        private long _firstEventAt;

        public Recorder Refreshes { get; } = new();

        public Dictionary<string, Recorder> ByKind { get; } = new(StringComparer.Ordinal);

        public async Task RunAsync(CancellationToken stop)
        {
            var stream = Task.Run(() => ListenAsync(stop));
            try
            {
                while (true)
                {
                    await _changed.WaitAsync(stop);
                    await Task.Delay(Debounce, stop);
                    var since = Interlocked.Exchange(ref _firstEventAt, 0);
                    await RefreshAsync(since == 0 ? Stopwatch.GetTimestamp() : since, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            await stream;
        }

        /// <summary>The event stream: each `rollup` event marks the page changed (events during a reload coalesce).</summary>
        private async Task ListenAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.GetAsync($"api/v1/events?orgUnits={spec.OrgUnit}", HttpCompletionOption.ResponseHeadersRead, stop);
                    if (!response.IsSuccessStatusCode)
                    {
                        owner.Error($"events {(int)response.StatusCode}");
                        await Task.Delay(TimeSpan.FromSeconds(2), stop); // the page's `retry: 2000`
                        continue;
                    }
                    Interlocked.Increment(ref owner._streamsOpen);
                    try
                    {
                        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
                        while (await reader.ReadLineAsync(stop) is { } line)
                        {
                            if (line == "event: rollup")
                            {
                                Interlocked.Increment(ref owner._events);
                                Interlocked.CompareExchange(ref _firstEventAt, Stopwatch.GetTimestamp(), 0);
                                if (_changed.CurrentCount == 0)
                                {
                                    try
                                    {
                                        _changed.Release();
                                    }
                                    catch (SemaphoreFullException)
                                    {
                                    }
                                }
                            }
                        }
                    }
                    finally
                    {
                        Interlocked.Decrement(ref owner._streamsOpen);
                    }
                    owner.Error("events stream ended");
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                {
                    owner.Error($"events {e.GetType().Name}");
                    await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
                }
            }
        }

        /// <summary>Every request of the page at once, as the page's Promise.all; recorded unless <paramref name="record"/> is null.</summary>
        public async Task RefreshAsync(long? record, CancellationToken stop)
        {
            var results = await Task.WhenAll(spec.Requests.Select(r => FetchAsync(r.Path, counted: record is not null, stop)));
            if (record is not { } since)
            {
                return;
            }
            for (var i = 0; i < results.Length; i++)
            {
                if (!ByKind.TryGetValue(spec.Requests[i].Kind, out var recorder))
                {
                    ByKind[spec.Requests[i].Kind] = recorder = new Recorder();
                }
                recorder.AddMs(results[i]);
            }
            Refreshes.Add(since);
        }

        private async Task<double> FetchAsync(string path, bool counted, CancellationToken stop)
        {
            var start = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
            string? etag;
            lock (_etags)
            {
                _etags.TryGetValue(path, out etag);
            }
            if (etag is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            }
            try
            {
                using var response = await http.SendAsync(request, stop);
                var body = await response.Content.ReadAsByteArrayAsync(stop);
                if (counted)
                {
                    Interlocked.Increment(ref owner._requests);
                    Interlocked.Add(ref owner._wireBytes, body.Length);
                    if (response.StatusCode == HttpStatusCode.NotModified)
                    {
                        Interlocked.Increment(ref owner._notModified);
                    }
                }
                else if (!response.IsSuccessStatusCode)
                {
                    owner.Error($"{path.Split('?')[0].Split('/')[^1]} {(int)response.StatusCode}");
                }
                else if (response.Headers.ETag is { } tag)
                {
                    lock (_etags)
                    {
                        _etags[path] = tag.ToString();
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                owner.Error(e.GetType().Name);
            }
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }

    public static string Describe(ViewerResult v) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{v.Pages} for {v.Seconds:F1} s: {v.Events:N0} events, {v.Refreshes:N0} reloads ({v.RefreshesPerViewerPerSecond:F2} per page per second); " +
            $"event → page reloaded {v.Refresh}; {v.Requests:N0} requests, {v.NotModified:N0} answered 304, {v.WireBytes / 1024.0 / 1024.0:F1} MB received; " +
            $"{(v.Errors.Count == 0 ? "no errors" : string.Join(", ", v.Errors.Select(e => $"{e.Key}×{e.Value}")))}");
}
