using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansPlans.Bench;
using OrleansPlans.Domain.Loading;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
Console.OutputEncoding = System.Text.Encoding.UTF8;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (HelpRequested)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine($"error: {e.Message}\n\n{BenchOptions.Usage}");
    return 2;
}

void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

if (options.WaitQuietMinutes > 0)
{
    var waited = Stopwatch.StartNew();
    while (true)
    {
        var load1 = ProcStats.LoadAverage1();
        var others = ProcStats.ForeignProjectProcesses();
        if (load1 < 1.0 && others.Count == 0)
        {
            Progress($"machine quiet: load average {ProcStats.LoadAverage()}, no other OrleansPlans/dotnet test process");
            break;
        }
        if (waited.Elapsed.TotalMinutes >= options.WaitQuietMinutes)
        {
            Console.Error.WriteLine($"machine still busy after {options.WaitQuietMinutes} min (load average {ProcStats.LoadAverage()}; {others.Count} other processes): not measuring");
            return 3;
        }
        Progress($"machine busy (load average {ProcStats.LoadAverage()}; {others.Count} other OrleansPlans/dotnet test processes{(others.Count > 0 ? ", e.g. " + others[0] : "")}): waiting 60 s");
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(60), cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }
}

var results = new Results
{
    StartedAt = DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture),
    LoadAverageBefore = ProcStats.LoadAverage(),
};

var data = PlanDataLoader.Load(PlanDataLoader.LocateDataDirectory());
var generateClock = Stopwatch.StartNew();
Scenario scenario;
try
{
    scenario = Scenario.Build(data, options);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
Progress($"scenario: {scenario.Counties.Count} counties × {options.FirstYear}–{options.LastYear}, {scenario.Batches.Count:N0} batches, {scenario.Values:N0} values, " +
    $"{scenario.BodyBytes / 1024.0 / 1024.0:F1} MB of JSON generated in {generateClock.Elapsed.TotalSeconds:F1} s; load average {results.LoadAverageBefore}");
if (options.JudgingRounds > 0 || options.CodecRounds > 0)
{
    var machine = MachineInfo.Read(null);
    Console.WriteLine($"machine: {machine.Cores} cores, {machine.Cpu}; {machine.Os}, kernel {machine.Kernel}; {machine.Dotnet}; load average {results.LoadAverageBefore}");
    if (options.JudgingRounds > 0)
    {
        Judging.Run(data, scenario, options, Progress);
    }
    if (options.CodecRounds > 0)
    {
        Codecs.Run(data, scenario, options, Progress);
    }
    return 0;
}

Cluster? cluster = null;
try
{
    if (options.Mode != BenchMode.Gateway)
    {
        Progress(options.Mode == BenchMode.Spawn
            ? $"starting PostgreSQL, {options.Silos} silo(s) and a gateway…"
            : "starting an embedded gateway (in-memory storage)…");
        cluster = await Cluster.StartAsync(options, scenario.Provinces, Progress);
        results.StartupSeconds = cluster.StartupTime.TotalSeconds;
        Progress($"ready after {cluster.StartupTime.TotalSeconds:F1} s: gateway {cluster.GatewayAddress}");
        if (options.Mode == BenchMode.Spawn && options.Silos > 1)
        {
            var settled = await cluster.WaitForPartitionsAsync(scenario.Counties.Count, TimeSpan.FromSeconds(120));
            results.Partitions = settled is { } p
                ? $"settled {p.Waited.TotalSeconds:F1} s after ready: " + string.Join(", ", p.Counties.Select((n, i) => $"silo{i + 1} {n:N0} counties"))
                : "not settled within 120 s (measured anyway)";
            Progress($"partitions {results.Partitions}");
        }
    }
    var gatewayAddress = cluster?.GatewayAddress ?? options.GatewayUrl!;
    var baselineConnection = options.BaselineConnectionString ?? cluster?.ConnectionString;
    results.Machine = MachineInfo.Read(cluster?.Postgres?.Version);
    results.Scenario = new ScenarioInfo(options.Mode.ToString().ToLowerInvariant(), options.Mode == BenchMode.Spawn ? options.Silos : options.Mode == BenchMode.Embedded ? 1 : 0,
        options.Province, options.National, scenario.Cities.Count, scenario.Counties.Count, options.FirstYear, options.LastYear, options.Clients,
        scenario.Batches.Count, scenario.Values, scenario.BodyBytes, scenario.Probe.Code, scenario.ProbeCounty, options.PageIndicator, options.Readers, options.ReadSeconds, options.ReadWarmupSeconds, options.Seed);

    using var http = Http.Client(gatewayAddress, TimeSpan.FromSeconds(120), options.Clients + options.Readers + 8, options.AcceptGzip);
    var load = new Load(http, scenario, options, Progress, cluster?.Mode == BenchMode.Spawn ? [.. cluster.Silos.Select(s => s.Pid)] : null);

    // Processes whose CPU is measured: silos, gateway, PostgreSQL (postmaster and backends), this tool.
    var meters = new List<(string Name, Func<double> Read)>();
    if (cluster is not null)
    {
        foreach (var silo in cluster.Silos)
        {
            var pid = silo.Pid;
            meters.Add((silo.Name, () => ProcStats.CpuSeconds(pid)));
        }
        var gatewayPid = cluster.Gateway!.Pid;
        meters.Add((cluster.Gateway.Name, () => ProcStats.CpuSeconds(gatewayPid)));
        if (cluster.Postgres?.PostmasterPid() is { } postmaster)
        {
            meters.Add(("postgresql (all processes)", () => ProcStats.CpuSecondsOfTree(postmaster)));
        }
    }
    var self = Environment.ProcessId;
    meters.Add(("bench tool (this process)", () => ProcStats.CpuSeconds(self)));

    // ── ingest, with the freshness probe running alongside ──
    var probeBase = options.Mode == BenchMode.Gateway ? await ProbeBaseAsync(http, scenario, options.LastYear) : 0m;
    var probeStart = (long)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 1_000_000_000) * 10;
    var warmProbe = await load.WarmUpProbeAsync(probeStart, probeBase);
    results.ProbeWarmUp = warmProbe;
    Progress($"probe warm-up (not measured): push {warmProbe.PushMs:F0} ms, then province shows it after {warmProbe.FreshnessMs:F0} ms");
    PgProfiler? profiler = options.Mode == BenchMode.Spawn && cluster?.ConnectionString is { } cs ? new PgProfiler(cs) : null;
    if (profiler is not null)
    {
        await profiler.StartAsync();
    }
    // --viewers: the committee's open pages reload on every change while the counties push.
    using var stopViewers = new CancellationTokenSource();
    List<PageSpec> pageSpecs = [.. Enumerable.Repeat(PageSpec.Aggregate(options.Province), options.Viewers)];
    if (options.CountyViewers)
    {
        pageSpecs.AddRange(scenario.Counties.Select(c => PageSpec.County(c.County.Code,
            data.Plans.Where(p => p.County == c.County.Code).Select(p => OrleansPlans.Domain.PlanAreas.PlanCode(p.Kind)).Order(StringComparer.Ordinal))));
    }
    var pagesDescription = string.Join(" and ", new[]
    {
        options.Viewers > 0 ? $"{options.Viewers} pages of {options.Province}" : null,
        options.CountyViewers ? $"{scenario.Counties.Count} county pages" : null,
    }.OfType<string>());
    var viewers = pageSpecs.Count > 0
        ? await new LiveViewers(gatewayAddress, pageSpecs, pagesDescription, Progress).StartAsync(stopViewers.Token)
        : null;
    Progress($"ingest: {options.Clients} county clients, probe every {options.ProbeIntervalMs} ms on {scenario.Probe.Code} @ {scenario.ProbeCounty}…");
    var cpu = new CpuMeter(meters);
    cpu.Start();
    using var stopProbe = new CancellationTokenSource();
    var probeTask = Task.Run(() => load.ProbeAsync(probeStart, probeBase, stopProbe.Token));
    // --add-silo-at: a silo joins during the ingest, as when an operator scales out at a reporting deadline.
    var ingestClock = Stopwatch.StartNew();
    ChildProcess? addedSilo = null;
    var scaleOut = options.AddSiloAt is { } addAt && cluster is { Mode: BenchMode.Spawn }
        ? Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(addAt));
            var startedAt = ingestClock.Elapsed.TotalSeconds;
            Progress($"scale-out: starting silo{cluster.Silos.Count + 1} at +{startedAt:F1} s of the ingest…");
            var silo = await cluster.AddSiloAsync();
            addedSilo = silo;
            var readyAt = ingestClock.Elapsed.TotalSeconds;
            Progress($"scale-out: {silo.Name} ready at +{readyAt:F1} s");
            var settled = await cluster.WaitForPartitionsAsync(scenario.Counties.Count, TimeSpan.FromSeconds(180));
            var summary = $"{silo.Name} started at +{startedAt:F1} s of the ingest, ready at +{readyAt:F1} s; " + (settled is { } p
                ? $"its share handed over by +{ingestClock.Elapsed.TotalSeconds:F1} s: " + string.Join(", ", p.Counties.Select((n, i) => $"silo{i + 1} {n:N0} counties"))
                : "its share not handed over within 180 s of it being ready");
            Progress("scale-out: " + summary);
            return summary;
        })
        : null;
    results.Ingest = await load.IngestAsync(cancel.Token);
    var addedSiloCpu = addedSilo is { } added ? ProcStats.CpuSeconds(added.Pid) : (double?)null;
    await stopProbe.CancelAsync();
    if (options.Smoke)
    {
        // The smoke ingest lasts about a second: let the pages hear of its last pushes and reload.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
    }
    await stopViewers.CancelAsync();
    results.Freshness = await probeTask;
    if (viewers is not null)
    {
        results.Viewers = await viewers();
        Progress("viewers: " + LiveViewers.Describe(results.Viewers));
        if (options.Smoke)
        {
            var v = results.Viewers;
            results.Checks.Add(new CheckResult("open pages hear of the pushes and reload", v.Events >= v.Viewers && v.Refreshes >= v.Viewers && v.Errors.Count == 0,
                $"{v.Viewers} pages: {v.Events} events, {v.Refreshes} reloads of {v.Requests / Math.Max(1, v.Refreshes)} requests each, {v.Errors.Count} kinds of error"));
        }
    }
    results.IngestCpu = cpu.Stop();
    if (scaleOut is not null)
    {
        results.ScaleOut = await scaleOut + (addedSiloCpu is { } c ? $"; the added silo used {c:F1} s of CPU by the end of the ingest ({results.Ingest.Seconds:F1} s)" : "; the ingest ended before it was ready");
    }
    if (profiler is not null)
    {
        results.IngestPostgres = await profiler.StopAsync();
    }
    Progress($"ingest: {results.Ingest.Values:N0} values in {results.Ingest.Seconds:F1} s = {results.Ingest.ValuesPerSecond:N0}/s; push {results.Ingest.PushLatency}; freshness {results.Freshness.Freshness}");
    if (cluster is not null)
    {
        var metrics = new List<string>();
        foreach (var silo in cluster.Silos)
        {
            metrics.AddRange((await MetricsScraper.ScrapeAsync(silo.BaseAddress)).Select(l => $"{silo.Name}: {l}"));
        }
        if (cluster.Silos.Count == 0)
        {
            metrics.AddRange((await MetricsScraper.ScrapeAsync(cluster.GatewayAddress)).Select(l => $"gateway: {l}"));
        }
        results.SiloMetrics = metrics;
        var bare = metrics.Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]).ToList();
        results.RollupLagMeanMs = MetricsScraper.HistogramMean(bare, "orleansplans_rollup_lag_milliseconds");
        results.SiloManagedHeapBytes = (long?)MetricsScraper.Sum(bare, "dotnet_gc_last_collection_heap_size_bytes");
    }

    // ── correctness: the roll-ups equal a from-scratch sum of what was pushed ──
    var lastYear = options.LastYear;
    decimal? probeExpected = options.Mode == BenchMode.Gateway || results.Freshness.LastValue == 0 ? null : probeBase + results.Freshness.LastValue;
    if (options.Smoke)
    {
        foreach (var city in scenario.Cities)
        {
            results.Checks.Add(await Checks.ConsistencyAsync(http, city.Code));
        }
    }
    // Nationally every province is checked: 广东省 and 海南省 hold the cities that report as their own county-level
    // unit (东莞市, 中山市, 儋州市), whose figures reach the province through a city roll-up of the same code.
    string[] checkedProvinces = options.National ? [.. scenario.Provinces.Order(StringComparer.Ordinal)] : [scenario.Province.Code];
    foreach (var province in checkedProvinces)
    {
        results.Checks.Add(await Checks.ConsistencyAsync(http, province));
    }
    for (var year = options.Smoke ? options.FirstYear : lastYear; year <= lastYear; year++)
    {
        if (options.Smoke)
        {
            foreach (var city in scenario.Cities)
            {
                results.Checks.Add(await Checks.RollupEqualsScratchAsync(http, scenario, city.Code, year, probeExpected, lastYear));
            }
        }
        foreach (var province in checkedProvinces)
        {
            results.Checks.Add(await Checks.RollupEqualsScratchAsync(http, scenario, province, year, probeExpected, lastYear));
        }
    }
    if (options.Smoke && options.Readers > 0)
    {
        // The read phases' own client (RawHttpReader) against this gateway: full bodies, then 304s for a held ETag.
        using var wire = Http.Client(gatewayAddress, TimeSpan.FromSeconds(30), 8);
        var rollupPath = $"api/v1/org-units/{scenario.Province.Code}/rollup?year={lastYear}";
        var full = await load.ReadAsync(rollupPath, 4, 1.0, wire: wire);
        results.Checks.Add(new CheckResult("raw readers receive the roll-up", full.Requests > 0 && full.Errors == 0 && full.ResponseBytes > 0 && full.WireBytes > 0,
            $"{full.Requests} reads, {full.Errors} errors; {full.ResponseBytes:N0} bytes of JSON, {full.WireBytes:N0} received"));
        // A county's indicator page is serialized per request and sent chunked (no Content-Length).
        var page = await load.ReadAsync($"api/v1/org-units/{scenario.ProbeCounty}/indicators/{options.PageIndicator}", 4, 1.0, wire: wire);
        results.Checks.Add(new CheckResult("raw readers receive a chunked county page", page.Requests > 0 && page.Errors == 0 && page.ResponseBytes > 0,
            $"{page.Requests} reads, {page.Errors} errors; {page.ResponseBytes:N0} bytes of JSON"));
        var conditional = await load.ReadAsync(rollupPath, 4, 1.0, conditional: true, wire: wire);
        results.Checks.Add(new CheckResult("raw readers holding the ETag get 304", conditional.NotModified > 0 && conditional.Errors == 0,
            $"{conditional.NotModified} of {conditional.Requests} answered 304, {conditional.Errors} errors"));
    }
    if (results.Ingest.StoppedBecause is { } why)
    {
        results.Notes.Add("ingest stopped early: " + why + "; the checks and reads below cover what was pushed");
    }
    if (results.Ingest.Unacknowledged > 0)
    {
        results.Checks.Add(new CheckResult("every batch acknowledged", false, $"{results.Ingest.Unacknowledged} values were never acknowledged"));
    }
    foreach (var check in results.Checks)
    {
        Progress($"  {(check.Ok ? "ok  " : "FAIL")} {check.What}: {check.Detail}");
    }

    // ── reads under concurrent readers ──
    if (!options.Smoke && options.Readers > 0)
    {
        Progress($"reads: {options.Readers} readers × {options.ReadSeconds} s on the province roll-up, then on the {options.PageIndicator} page, each after {options.ReadWarmupSeconds} s of unmeasured reading…");
        var readCpu = new CpuMeter(meters);
        // Bodies received as sent unless --inflate or --identity (BenchOptions.InflateEveryRead).
        using var wire = options.AcceptGzip && !options.InflateEveryRead ? Http.Client(gatewayAddress, TimeSpan.FromSeconds(120), options.Readers + 8) : null;
        results.ReadEncoding = !options.AcceptGzip ? "identity" : wire is null ? "gzip, inflated by the client"
            : options.HttpClientReaders ? "gzip, received as sent by HttpClient" : "gzip, received as sent; a raw HTTP/1.1 connection per reader";
        var rollupPath = $"api/v1/org-units/{scenario.Province.Code}/rollup?year={lastYear}";
        var pagePath = $"api/v1/org-units/{scenario.Province.Code}/indicators/{options.PageIndicator}";
        await load.WarmUpReadsAsync(rollupPath, options.Readers, options.ReadWarmupSeconds, wire: wire);
        var checksBefore = MetricsScraper.VersionChecks(await MetricsScraper.ScrapeAsync(gatewayAddress));
        readCpu.Start();
        results.RollupRead = await load.ReadAsync(rollupPath, options.Readers, options.ReadSeconds, wire: wire);
        results.ReadCpu = readCpu.Stop();
        if (checksBefore is { } before && MetricsScraper.VersionChecks(await MetricsScraper.ScrapeAsync(gatewayAddress)) is { } after)
        {
            var (waited, all, calls) = (after.Waited - before.Waited, after.All - before.All, after.Calls - before.Calls);
            results.RollupVersionChecks = $"{waited:N0} of {all:N0} requests waited for a version call ({(all > 0 ? 100 * waited / all : 0):F2} %); "
                + $"{calls:N0} version calls ({calls / results.RollupRead.Seconds:N0}/s)";
        }
        Progress($"  roll-up: {results.RollupRead.Latency}, {results.RollupRead.RequestsPerSecond:N0} req/s");
        await load.WarmUpReadsAsync(pagePath, options.Readers, options.ReadWarmupSeconds, wire: wire);
        results.PageRead = await load.ReadAsync(pagePath, options.Readers, options.ReadSeconds, wire: wire);
        Progress($"  indicator page: {results.PageRead.Latency}, {results.PageRead.RequestsPerSecond:N0} req/s");
        // What a polling dashboard sees once it holds the current document (not what the targets are judged on).
        await load.WarmUpReadsAsync(rollupPath, options.Readers, options.ReadWarmupSeconds, conditional: true, wire: wire);
        results.ConditionalRollupRead = await load.ReadAsync(rollupPath, options.Readers, options.ReadSeconds, conditional: true, wire: wire);
        Progress($"  roll-up, conditional: {results.ConditionalRollupRead.Latency}, {results.ConditionalRollupRead.RequestsPerSecond:N0} req/s, {results.ConditionalRollupRead.NotModified:N0} × 304");
        if (wire is not null)
        {
            // The measurement of sessions 3–6, in the same run: every body inflated by the readers on these 2 cores.
            var inflatedCpu = new CpuMeter(meters);
            await load.WarmUpReadsAsync(rollupPath, options.Readers, options.ReadWarmupSeconds);
            inflatedCpu.Start();
            results.InflatedRollupRead = await load.ReadAsync(rollupPath, options.Readers, options.ReadSeconds);
            results.InflatedReadCpu = inflatedCpu.Stop();
            Progress($"  roll-up, every body inflated by the readers: {results.InflatedRollupRead.Latency}, {results.InflatedRollupRead.RequestsPerSecond:N0} req/s");
        }
    }
    if (cluster is not null)
    {
        foreach (var silo in cluster.Silos)
        {
            results.PeakRssBytes[silo.Name] = ProcStats.PeakRss(silo.Pid);
        }
        results.PeakRssBytes[cluster.Gateway!.Name] = ProcStats.PeakRss(cluster.Gateway.Pid);
    }

    // ── baselines on the same PostgreSQL ──
    if (options.Baselines && baselineConnection is not null)
    {
        var baselines = new Baselines(baselineConnection, scenario, options, Progress);
        Progress($"baseline (a): the same values as single-row upserts by {options.Clients} connections (≤ {options.BaselineSeconds} s)…");
        results.BaselineNaive = await baselines.NaiveWritesAsync();
        Progress($"baseline (b): COPY, then {options.Readers} readers × {options.ReadSeconds} s on the aggregate roll-up query…");
        results.BaselineSql = await baselines.SqlRollupAsync(lastYear);
        Progress($"  SQL roll-up: {results.BaselineSql.Latency}");
        results.IngestVsNaive = results.Ingest.ValuesPerSecond / results.BaselineNaive.ValuesPerSecond;
        if (results.RollupRead is { } rr)
        {
            results.SqlP99VsRollupP99 = results.BaselineSql.Latency.P99 / rr.Latency.P99;
            results.SqlP50VsRollupP50 = results.BaselineSql.Latency.P50 / rr.Latency.P50;
        }
        if (!results.BaselineSql.MatchesExpected)
        {
            results.Checks.Add(new CheckResult("SQL baseline = Σ pushed", false, "the aggregate query does not reproduce the tool's sums"));
        }
    }
    else if (options.Baselines)
    {
        results.Notes.Add("baselines skipped: no PostgreSQL (pass --pg CONNSTRING with --gateway)");
    }

    // ── cold start: kill everything, start again, time until the province roll-up is complete ──
    if (options.ColdStart && options.Mode == BenchMode.Spawn && cluster is not null)
    {
        for (var round = 1; round <= options.ColdStarts; round++)
        {
            Progress($"cold start {round}/{options.ColdStarts}: SIGKILL of every silo and the gateway, then start them again{(options.ColdStartNewPorts ? " on new ports" : "")}…");
            var cold = await ColdStartAsync(cluster, scenario, lastYear, options.ColdStartNewPorts);
            results.ColdStarts.Add(cold);
            results.Checks.Add(new CheckResult($"cold start {round}: province roll-up complete again", cold.Full, cold.Full ? $"after {cold.FullRollupSeconds:F1} s" : "timed out"));
            Progress($"  processes ready after {cold.ProcessesReadySeconds:F1} s, province roll-up full after {cold.FullRollupSeconds:F1} s" +
                (cold.FailedPolls.Count > 0 ? $"; failed polls: {string.Join(", ", cold.FailedPolls.Select(f => $"{f.Key}×{f.Value}"))}" : ""));
        }
    }

    results.LoadAverageAfter = ProcStats.LoadAverage();
    if (options.Mode == BenchMode.Embedded)
    {
        results.Notes.Add("embedded mode: in-memory grain storage, nothing is durable; compare with --spawn for the durable figures");
    }
    // Wall-clock figures of a run whose cores the hypervisor partly took are not comparable with other runs.
    foreach (var (phase, phaseCpu) in new[] { ("ingest", results.IngestCpu), ("roll-up read phase", results.ReadCpu) })
    {
        if (phaseCpu?.FirstOrDefault(c => c.Name == CpuMeter.StolenName) is { CoresUsed: >= 0.1 } stolen)
        {
            results.Notes.Add($"the hypervisor took {stolen.CoresUsed:F2} of the 2 cores during the {phase} (steal): its rates and latencies are not comparable with runs without steal; compare the CPU per 1,000 values or reads");
        }
    }
    results.EvaluateTargets(options);
    Console.WriteLine(results.ToText());
    if (options.JsonPath is { } jsonPath)
    {
        await File.WriteAllTextAsync(jsonPath, results.ToJson());
        Progress($"JSON written to {jsonPath}");
    }
    if (options.Smoke)
    {
        Console.WriteLine(results.ChecksPassed
            ? $"bench smoke: {results.Checks.Count} checks passed ({scenario.Values:N0} values, {scenario.Counties.Count} counties)"
            : $"bench smoke: FAILED ({results.Checks.Count(c => !c.Ok)} of {results.Checks.Count} checks)");
    }
    return results.ChecksPassed ? 0 : 1;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    Console.Error.WriteLine($"bench failed: {e}");
    if (cluster is not null)
    {
        foreach (var process in cluster.Silos.Append(cluster.Gateway).OfType<ChildProcess>())
        {
            Console.Error.WriteLine($"--- {process.Name} (last lines of {process.LogFile}) ---\n{process.Tail(30)}");
        }
    }
    return 1;
}
finally
{
    if (cluster is not null)
    {
        await cluster.DisposeAsync();
    }
}

// Kills every silo and the gateway (SIGKILL), starts them again (on the same ports unless --cold-start-new-ports) and polls the province roll-up until
// it equals the from-scratch sums; records CPU, PostgreSQL activity and the peak memory of the new processes.
static async Task<ColdStartResult> ColdStartAsync(Cluster cluster, Scenario scenario, int year, bool newPorts)
{
    cluster.KillProcesses();
    var expected = scenario.Expected(scenario.Province.Code, year);
    var profiler = new PgProfiler(cluster.ConnectionString!);
    await profiler.StartAsync();
    var postmaster = cluster.Postgres?.PostmasterPid();
    var pgCpuBefore = postmaster is { } pm0 ? ProcStats.CpuSecondsOfTree(pm0) : 0;
    var machineBefore = ProcStats.MachineCpu().Busy;
    var clock = Stopwatch.StartNew();
    await cluster.StartProcessesAsync(newPorts);
    var ready = clock.Elapsed.TotalSeconds;
    using var http = Http.Client(cluster.GatewayAddress, TimeSpan.FromSeconds(300), 4);
    double? first = null;
    var full = false;
    var failed = new Dictionary<string, int>(StringComparer.Ordinal);
    while (clock.Elapsed < TimeSpan.FromMinutes(15))
    {
        string? failure = null;
        try
        {
            using var response = await http.GetAsync($"api/v1/org-units/{scenario.Province.Code}/rollup?year={year}");
            if (response.IsSuccessStatusCode)
            {
                first ??= clock.Elapsed.TotalSeconds;
                var body = await response.Content.ReadAsStringAsync();
                if (Checks.Compare(scenario, expected, body, ignoreProbe: true).Count == 0)
                {
                    full = true;
                    break;
                }
                failure = "200 (incomplete)";
            }
            else
            {
                failure = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            failure = e.GetType().Name;
        }
        failed[failure] = failed.GetValueOrDefault(failure) + 1;
        await Task.Delay(100);
    }
    var fullSeconds = clock.Elapsed.TotalSeconds;
    var after = new Dictionary<string, long?>();
    foreach (var silo in cluster.Silos)
    {
        after[silo.Name] = ProcStats.PeakRss(silo.Pid);
    }
    after[cluster.Gateway!.Name] = ProcStats.PeakRss(cluster.Gateway.Pid);
    var cpu = cluster.Silos.Append(cluster.Gateway).Select(p => new ProcessCpu(p.Name, ProcStats.CpuSeconds(p.Pid), ProcStats.CpuSeconds(p.Pid) / fullSeconds)).ToList();
    if (postmaster is { } pm1)
    {
        var pgCpu = ProcStats.CpuSecondsOfTree(pm1) - pgCpuBefore;
        cpu.Add(new ProcessCpu("postgresql", pgCpu, pgCpu / fullSeconds));
    }
    var machineCpu = ProcStats.MachineCpu().Busy - machineBefore;
    cpu.Add(new ProcessCpu("machine", machineCpu, machineCpu / fullSeconds));
    var pg = await profiler.StopAsync();
    var metrics = new List<string>();
    foreach (var silo in cluster.Silos)
    {
        metrics.AddRange((await MetricsScraper.ScrapeAsync(silo.BaseAddress)).Where(l => l.StartsWith("orleans", StringComparison.Ordinal)).Select(l => $"{silo.Name}: {l}"));
    }
    return new ColdStartResult(ready, first ?? double.NaN, fullSeconds, full, after, cpu, pg, failed, metrics);
}

// The probe indicator's province total that is not the probe county's own value (non-zero only on a shared gateway).
static async Task<decimal> ProbeBaseAsync(HttpClient http, Scenario scenario, int year)
{
    async Task<decimal> ValueAsync(string orgUnit)
    {
        using var response = await http.GetAsync($"api/v1/org-units/{orgUnit}/indicators/{scenario.Probe.Code}");
        if (!response.IsSuccessStatusCode)
        {
            return 0m;
        }
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var total = document.RootElement.GetProperty("series").EnumerateArray().FirstOrDefault(s => !s.GetProperty("disaggregation").EnumerateObject().Any());
        if (total.ValueKind != JsonValueKind.Object)
        {
            return 0m;
        }
        var point = total.GetProperty("points").EnumerateArray().FirstOrDefault(p => p.GetProperty("year").GetInt32() == year);
        return point.ValueKind == JsonValueKind.Object && point.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : 0m;
    }
    return await ValueAsync(scenario.Province.Code) - await ValueAsync(scenario.ProbeCounty);
}
