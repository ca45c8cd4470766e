using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace OrleansPlans.Bench;

public sealed record IngestResult(
    long Batches, long Values, double Seconds, double ValuesPerSecond, LatencySummary PushLatency,
    long Retries, IReadOnlyDictionary<string, int> Errors, IReadOnlyList<string> Rejections, long Unacknowledged,
    string? StoppedBecause, IReadOnlyList<MemorySample> Memory, SteadyIngest? AfterWarmUp = null);

/// <summary>
/// The ingest from <see cref="SteadyIngest.FromSeconds"/> on: the values acknowledged after that point over the time to
/// the last acknowledgement. Reported next to the whole run's rate (which alone is judged): the first seconds of a
/// freshly started gateway and silo run their hot paths through the JIT (in session 8's profiles a third of the
/// gateway's and a tenth of the silo's samples in the first 15 s), which a deployment serving a deadline has long done.
/// </summary>
public sealed record SteadyIngest(double FromSeconds, long Values, double Seconds, double ValuesPerSecond);

/// <summary>Resident memory of the spawned silos against the values acknowledged so far.</summary>
public sealed record MemorySample(double Seconds, long Values, long SiloRssBytes);

public sealed record FreshnessResult(
    long Probes, LatencySummary Freshness, LatencySummary ProbePushLatency, LatencySummary SendToVisible, int MaxReadsToSee, long Timeouts, long Failures, long LastValue,
    IReadOnlyList<SlowProbe> Slowest);

/// <summary>One probe: its push's latency, then the time from its 2xx to the first read showing it (or to giving up).</summary>
public sealed record ProbeOutcome(long AcknowledgedAt, double PushMs, double FreshnessMs, int Reads, bool TimedOut);

/// <summary>A probe's freshness and when its push was acknowledged, in seconds from the start of the ingest.</summary>
public sealed record SlowProbe(double AtSeconds, double FreshnessMs);

/// <summary>A read phase. ResponseBytes: the JSON document's size; WireBytes: what a response carried when bodies were
/// received as sent (gzip), null when the client inflated them.</summary>
public sealed record ReadResult(string Path, int Readers, double Seconds, long Requests, double RequestsPerSecond, LatencySummary Latency, long Errors, long ResponseBytes, long NotModified = 0, long? WireBytes = null);

/// <summary>Drives the gateway's REST API: county clients pushing, the freshness probe and concurrent readers.</summary>
public sealed class Load(HttpClient http, Scenario scenario, BenchOptions options, Action<string> progress, IReadOnlyList<int>? siloPids = null)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>
    /// Each client owns every Nth county and pushes one county-year batch at a time (year by year, county by county),
    /// retrying 5xx answers and transport errors as a county system would. Values count once acknowledged (2xx).
    /// </summary>
    public async Task<IngestResult> IngestAsync(CancellationToken cancellationToken)
    {
        // --max-silo-gb: stop pushing (in-flight pushes finish) once the silos' resident memory passes the limit, so a
        // run that cannot fit does not push the shared machine into swapping or the OOM killer.
        using var stop = new CancellationTokenSource();
        string? stoppedBecause = null;
        var memory = new List<MemorySample>();
        var countyIndex = scenario.Counties.Select((c, i) => (c.County.Code, i)).ToDictionary(x => x.Code, x => x.i, StringComparer.Ordinal);
        var slices = Enumerable.Range(0, options.Clients)
            .Select(c => scenario.Batches.Where(b => countyIndex[b.County] % options.Clients == c).OrderBy(b => b.Year).ThenBy(b => countyIndex[b.County]).ToArray())
            .ToArray();
        var recorders = slices.Select(_ => new Recorder()).ToArray();
        var errors = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var rejections = new ConcurrentQueue<string>();
        var acknowledged = new ConcurrentBag<CountyBatch>();
        long acked = 0, batches = 0, retries = 0, unacknowledged = 0;
        long firstSend = long.MaxValue, lastAck = 0;

        async Task ClientAsync(int client)
        {
            foreach (var batch in slices[client])
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }
                for (var attempt = 1; ; attempt++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var start = Stopwatch.GetTimestamp();
                    InterlockedMin(ref firstSend, start);
                    string? failure = null;
                    try
                    {
                        using var content = new ByteArrayContent(batch.Body);
                        content.Headers.ContentType = Json;
                        using var response = await http.PostAsync($"api/v1/counties/{batch.County}/data-values", content, cancellationToken);
                        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                        if (response.IsSuccessStatusCode)
                        {
                            recorders[client].Add(start);
                            InterlockedMax(ref lastAck, Stopwatch.GetTimestamp());
                            Interlocked.Add(ref acked, batch.Rows.Length);
                            Interlocked.Increment(ref batches);
                            acknowledged.Add(batch);
                            break;
                        }
                        var code = (int)response.StatusCode;
                        if (code < 500)
                        {
                            // A rejected batch is a bug in the scenario or the product: record it, never retry.
                            if (rejections.Count < 5)
                            {
                                rejections.Enqueue($"{batch.County} {batch.Year}: {code} {System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 600)))}");
                            }
                            errors.AddOrUpdate(code.ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                            Interlocked.Add(ref unacknowledged, batch.Rows.Length);
                            break;
                        }
                        failure = code.ToString(CultureInfo.InvariantCulture);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                    {
                        failure = e.GetType().Name;
                    }
                    errors.AddOrUpdate(failure, 1, (_, n) => n + 1);
                    if (attempt >= 8)
                    {
                        Interlocked.Add(ref unacknowledged, batch.Rows.Length);
                        break;
                    }
                    Interlocked.Increment(ref retries);
                    await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), cancellationToken);
                }
            }
        }

        using var stopProgress = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        long warmAcked = -1, warmAt = 0;
        var reporter = Task.Run(async () =>
        {
            var last = 0L;
            var tick = 0;
            var machine = ProcStats.MachineCpu();
            while (!stopProgress.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stopProgress.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                var now = Interlocked.Read(ref acked);
                long? rss = siloPids is { Count: > 0 } ? siloPids.Sum(p => ProcStats.Rss(p) ?? 0) : null;
                if (rss is { } r && options.MaxSiloGb > 0 && r > options.MaxSiloGb * 1024 * 1024 * 1024 && stoppedBecause is null)
                {
                    stoppedBecause = $"silo resident memory {Results.Gb(r)} passed --max-silo-gb {options.MaxSiloGb} after {now:N0} of {scenario.Values:N0} values";
                    progress("  STOP: " + stoppedBecause);
                    await stop.CancelAsync();
                }
                if (++tick % 5 != 0)
                {
                    continue;
                }
                if (tick == 5)
                {
                    (warmAcked, warmAt) = (now, Stopwatch.GetTimestamp());
                }
                if (rss is { } sample)
                {
                    memory.Add(new MemorySample(Math.Round(clock.Elapsed.TotalSeconds), now, sample));
                }
                progress($"  ingest {clock.Elapsed.TotalSeconds,6:F0} s: {now,10:N0} / {scenario.Values:N0} values acknowledged ({(now - last) / 5.0,8:N0}/s over the last 5 s); " +
                    $"{(rss is { } m ? $"silo RSS {Results.Gb(m)}; " : "")}load {ProcStats.LoadAverage()}; steal {ProcStats.StealShare(machine):P0}");
                last = now;
                machine = ProcStats.MachineCpu();
            }
        });
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(c => Task.Run(() => ClientAsync(c))));
        await stopProgress.CancelAsync();
        await reporter;
        scenario.Acknowledged = new HashSet<CountyBatch>(acknowledged, ReferenceEqualityComparer.Instance as IEqualityComparer<CountyBatch>);
        var seconds = lastAck > 0 && firstSend != long.MaxValue ? Stopwatch.GetElapsedTime(firstSend, lastAck).TotalSeconds : double.NaN;
        SteadyIngest? steady = null;
        if (warmAcked >= 0 && lastAck > warmAt && acked > warmAcked)
        {
            var steadySeconds = Stopwatch.GetElapsedTime(warmAt, lastAck).TotalSeconds;
            steady = new SteadyIngest(Stopwatch.GetElapsedTime(firstSend, warmAt).TotalSeconds, acked - warmAcked, steadySeconds, (acked - warmAcked) / steadySeconds);
        }
        return new IngestResult(batches, acked, seconds, acked / seconds, Recorder.Merge(recorders), retries,
            new Dictionary<string, int>(errors), [.. rejections], unacknowledged, stoppedBecause, memory, steady);
    }

    /// <summary>
    /// One probe before the ingest, outside every measurement: the probe's push, its county, city and province and
    /// the province page it reads are then warm in the gateway and the silo, as they are in a deployment that has been
    /// serving for a while. (The read phase warms up the same way.) Without it the first probe of a run paid the
    /// first-call costs of those paths under the ingest's full load: 624–931 ms against ≤ 481 ms for the rest in
    /// session 5's runs, a run's whole p99 with ~70 probes.
    /// </summary>
    public async Task<ProbeOutcome> WarmUpProbeAsync(long value, decimal baseValue) =>
        await ProbeOnceAsync(value, baseValue) ?? throw new InvalidOperationException("the warm-up probe push was not acknowledged");

    /// <summary>
    /// Every ~interval: push a unique value of the probe indicator (which the load never pushes) to one county, then
    /// read the province's indicator page back-to-back until it shows that value. Freshness = from the push's 2xx to
    /// the first read (response received) that reflects it.
    /// </summary>
    public async Task<FreshnessResult> ProbeAsync(long startValue, decimal baseValue, CancellationToken stop)
    {
        var freshness = new Recorder();
        var pushLatency = new Recorder();
        var sendToVisible = new Recorder();
        long probes = 0, timeouts = 0, failures = 0, value = startValue, lastAcknowledged = 0;
        var maxReads = 0;
        var probed = new List<SlowProbe>();
        var began = Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            var tickStart = Stopwatch.GetTimestamp();
            value++;
            try
            {
                if (await ProbeOnceAsync(value, baseValue) is not { } outcome)
                {
                    failures++;
                    await Task.Delay(options.ProbeIntervalMs, CancellationToken.None);
                    continue;
                }
                lastAcknowledged = value;
                probes++;
                pushLatency.AddMs(outcome.PushMs);
                freshness.AddMs(outcome.FreshnessMs);
                sendToVisible.AddMs(outcome.PushMs + outcome.FreshnessMs);
                maxReads = Math.Max(maxReads, outcome.Reads);
                timeouts += outcome.TimedOut ? 1 : 0;
                probed.Add(new SlowProbe(Stopwatch.GetElapsedTime(began, outcome.AcknowledgedAt).TotalSeconds, outcome.FreshnessMs));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                failures++;
            }
            var wait = TimeSpan.FromMilliseconds(options.ProbeIntervalMs) - Stopwatch.GetElapsedTime(tickStart);
            if (wait > TimeSpan.Zero && !stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
        return new FreshnessResult(probes, LatencySummary.Of(freshness.Samples), LatencySummary.Of(pushLatency.Samples), LatencySummary.Of(sendToVisible.Samples), maxReads, timeouts, failures, lastAcknowledged,
            [.. probed.OrderByDescending(p => p.FreshnessMs).Take(3)]);
    }

    /// <summary>Pushes one probe value and reads the province page until it shows it (≤ 30 s); null when the push failed.</summary>
    private async Task<ProbeOutcome?> ProbeOnceAsync(long value, decimal baseValue)
    {
        var year = options.LastYear;
        var path = $"api/v1/org-units/{scenario.Province.Code}/indicators/{scenario.Probe.Code}";
        using var content = new ByteArrayContent(Scenario.ProbeBody(scenario.Probe.Code, year, value));
        content.Headers.ContentType = Json;
        var start = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync($"api/v1/counties/{scenario.ProbeCounty}/data-values", content, CancellationToken.None);
        await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        var acknowledgedAt = Stopwatch.GetTimestamp();
        var pushMs = Stopwatch.GetElapsedTime(start, acknowledgedAt).TotalMilliseconds;
        for (var reads = 1; ; reads++)
        {
            var shown = await ProvinceProbeValueAsync(path, year);
            var timedOut = shown != baseValue + value && Stopwatch.GetElapsedTime(acknowledgedAt) > TimeSpan.FromSeconds(30);
            if (shown == baseValue + value || timedOut)
            {
                return new ProbeOutcome(acknowledgedAt, pushMs, Stopwatch.GetElapsedTime(acknowledgedAt).TotalMilliseconds, reads, timedOut);
            }
        }
    }

    private async Task<decimal?> ProvinceProbeValueAsync(string path, int year)
    {
        using var response = await http.GetAsync(path, CancellationToken.None);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(CancellationToken.None));
        foreach (var series in document.RootElement.GetProperty("series").EnumerateArray())
        {
            if (series.GetProperty("disaggregation").EnumerateObject().Any())
            {
                continue;
            }
            foreach (var point in series.GetProperty("points").EnumerateArray())
            {
                if (point.GetProperty("year").GetInt32() == year && point.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number)
                {
                    return v.GetDecimal();
                }
            }
        }
        return null;
    }

    /// <summary>
    /// N readers GET the same path back-to-back for the given time (after a short sequential warm-up). Conditional:
    /// each reader sends the ETag of the last document it received (If-None-Match), as a polling browser does, and a
    /// 304 counts as a read. With <paramref name="wire"/> (a client that does not decompress) the readers ask for gzip
    /// and receive each body as sent — a read ends with its last byte, as in wrk or h2load — and each reader inflates
    /// and parses its first body only, to check it is the document asked for; otherwise the client inflates every
    /// body (or reads identity bodies when the tool runs with --identity).
    /// </summary>
    public async Task<ReadResult> ReadAsync(string path, int readers, double seconds, bool conditional = false, HttpClient? wire = null)
    {
        var client = wire ?? http;
        for (var i = 0; i < 20; i++)
        {
            using var warm = await client.SendAsync(ReadRequest(path, wire is not null, null));
            await warm.Content.ReadAsByteArrayAsync();
        }
        return await ReadConcurrentlyAsync(path, readers, seconds, conditional, wire);
    }

    /// <summary>
    /// The readers read <paramref name="path"/> as a measured phase would, for <paramref name="seconds"/>, and nothing is
    /// kept (BenchOptions.ReadWarmupSeconds). A measured phase started right after it finds the gateway's read path
    /// compiled at tier 1 and its connections open.
    /// </summary>
    public async Task WarmUpReadsAsync(string path, int readers, double seconds, bool conditional = false, HttpClient? wire = null)
    {
        if (seconds > 0)
        {
            await ReadConcurrentlyAsync(path, readers, seconds, conditional, wire);
        }
    }

    private async Task<ReadResult> ReadConcurrentlyAsync(string path, int readers, double seconds, bool conditional, HttpClient? wire)
    {
        var client = wire ?? http;
        var recorders = Enumerable.Range(0, readers).Select(_ => new Recorder()).ToArray();
        long errors = 0, bytes = 0, notModified = 0, documentBytes = 0, documents = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, readers).Select(r => Task.Run(async () =>
        {
            if (wire is not null && !options.HttpClientReaders)
            {
                await ReadRawAsync(r);
                return;
            }
            EntityTagHeaderValue? etag = null;
            // Each reader drains bodies through its own buffer: a 167 KB byte[] per response would be a large-object
            // allocation in this process, and its gen-2 collections would show up as the server's tail latency.
            var buffer = new byte[64 * 1024];
            var checkedOne = wire is null;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var request = ReadRequest(path, wire is not null, conditional ? etag : null);
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    long length = 0;
                    var keep = !checkedOne && response.StatusCode == HttpStatusCode.OK ? new MemoryStream() : null;
                    await using (var body = await response.Content.ReadAsStreamAsync())
                    {
                        int read;
                        while ((read = await body.ReadAsync(buffer)) > 0)
                        {
                            length += read;
                            keep?.Write(buffer, 0, read);
                        }
                    }
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        recorders[r].Add(start);
                        Interlocked.Add(ref bytes, length);
                        etag = response.Headers.ETag;
                        if (keep is not null)
                        {
                            // Outside the timed read: inflate and parse this reader's first body once.
                            Interlocked.Add(ref documentBytes, Document(keep.ToArray(), response.Content.Headers.ContentEncoding));
                            Interlocked.Increment(ref documents);
                            checkedOne = true;
                        }
                    }
                    else if (conditional && response.StatusCode == HttpStatusCode.NotModified)
                    {
                        recorders[r].Add(start);
                        Interlocked.Increment(ref notModified);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidDataException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;

        // A reader on its own keep-alive connection (RawHttpReader), receiving bodies as sent.
        async Task ReadRawAsync(int r)
        {
            using var connection = new RawHttpReader(client.BaseAddress!, path, client.DefaultRequestHeaders);
            string? etag = null;
            var checkedOne = false;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    var keep = checkedOne ? null : new MemoryStream();
                    var response = await connection.GetAsync(conditional ? etag : null, keep);
                    if (response.Status == 200)
                    {
                        recorders[r].Add(start);
                        Interlocked.Add(ref bytes, response.BodyBytes);
                        etag = response.ETag;
                        if (keep is not null)
                        {
                            // Outside the timed read: inflate and parse this reader's first body once.
                            Interlocked.Add(ref documentBytes, Document(keep.ToArray(), response.ContentEncoding is { } e ? [e] : []));
                            Interlocked.Increment(ref documents);
                            checkedOne = true;
                        }
                    }
                    else if (conditional && response.Status == 304)
                    {
                        recorders[r].Add(start);
                        Interlocked.Increment(ref notModified);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidDataException or JsonException or FormatException or OverflowException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }

        var latency = Recorder.Merge(recorders);
        var full = latency.Count - notModified;
        var meanBytes = full == 0 ? 0 : bytes / full;
        return wire is null
            ? new ReadResult("/" + path, readers, elapsed, latency.Count, latency.Count / elapsed, latency, errors, meanBytes, notModified)
            : new ReadResult("/" + path, readers, elapsed, latency.Count, latency.Count / elapsed, latency, errors, documents == 0 ? 0 : documentBytes / documents, notModified, WireBytes: meanBytes);
    }

    private static HttpRequestMessage ReadRequest(string path, bool askGzip, EntityTagHeaderValue? etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (askGzip)
        {
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        }
        if (etag is not null)
        {
            request.Headers.IfNoneMatch.Add(etag);
        }
        return request;
    }

    /// <summary>The JSON document of a body as received (inflated when gzip), checked to parse as a JSON object; its size.</summary>
    private static long Document(byte[] received, ICollection<string> contentEncoding)
    {
        byte[] json = received;
        if (contentEncoding.Contains("gzip", StringComparer.OrdinalIgnoreCase))
        {
            using var inflated = new MemoryStream();
            using (var gzip = new System.IO.Compression.GZipStream(new MemoryStream(received), System.IO.Compression.CompressionMode.Decompress))
            {
                gzip.CopyTo(inflated);
            }
            json = inflated.ToArray();
        }
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Object ? json.Length : throw new JsonException("the body is not a JSON object");
    }

    private static void InterlockedMin(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
