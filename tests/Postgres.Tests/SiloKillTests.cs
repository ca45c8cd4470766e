using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// Three silo processes and a gateway process on one PostgreSQL database; concurrent county pushes through the REST
/// API while one silo is SIGKILLed and replaced. Nothing acknowledged may be lost, and the province and its cities
/// must converge on the exact sums of what was acknowledged.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class SiloKillTests(PostgresFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const string Mmr = "maternal-mortality-rate";
    private const string Screening = "cervical-cancer-screening-rate";
    private const int Clients = 8;
    private static readonly int[] Years = [2021, 2022, 2023, 2024];
    private static readonly string?[] Areas = [null, "urban", "rural"];
    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(3);
    /// <summary>How long the load goes on once pushes are acknowledged after the killed silo was declared dead (about
    /// 10–15 s after the kill with Orleans' default membership options).</summary>
    private static readonly TimeSpan LoadAfterRecovery = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan MaxLoadAfterKill = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxWaitForLoad = TimeSpan.FromSeconds(60);

    private readonly List<ChildProcess> _processes = [];

    /// <summary>One push: a county, a year and an area (null = total), with figures unique to the push.</summary>
    private sealed record Push(int Number, string County, int Year, string? Area)
    {
        public (decimal Numerator, decimal Denominator) MmrFigures => (Number, 100_000 + Number);

        public (decimal Numerator, decimal Denominator) ScreeningFigures => (2 * Number, 200_000 + Number);
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }
    }

    [Fact]
    public async Task Killing_a_silo_under_load_loses_no_acknowledged_value_and_rollups_converge()
    {
        var total = Stopwatch.StartNew();
        var connectionString = await fixture.NewMigratedDatabaseAsync("silokill");
        var clusterId = "kill-" + Guid.NewGuid().ToString("N")[..8];
        var siloSettings = new Dictionary<string, string> { ["OrleansPlans__Rollup__ReconcilePeriod"] = "00:00:02", ["Logging__LogLevel__OrleansPlans"] = "Information" };
        var silos = Enumerable.Range(1, 3).Select(i => Track(SiloProcess.Start($"silo{i}", connectionString, clusterId, siloSettings))).ToArray();
        var gateway = Track(GatewayProcess.Start("gateway", connectionString, clusterId));
        await Task.WhenAll(silos.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(90))));
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(90));
        output.WriteLine($"3 silos and the gateway ready after {total.Elapsed.TotalSeconds:F1} s");

        using var http = Http.Client(gateway.BaseAddress, TimeSpan.FromSeconds(15));
        var cities = await ChildrenAsync(http, "510000");
        var counties = new List<(string County, string City)>();
        foreach (var city in cities)
        {
            counties.AddRange((await ChildrenAsync(http, city)).Select(c => (c, city)));
        }
        Assert.True(counties.Count >= 150, $"四川 has {counties.Count} county-level units?");
        var cityOf = counties.ToDictionary(c => c.County, c => c.City);

        // Warm up: reading the province activates it, its cities and their counties (each county reads its state).
        var warmUp = Stopwatch.StartNew();
        await GetJsonAsync(http, "api/v1/org-units/510000/rollup?year=2021");
        output.WriteLine($"province, cities and counties activated in {warmUp.Elapsed.TotalSeconds:F1} s");

        // Each client owns every 8th county; it walks area → year → county, one push per cell, never twice.
        var number = 0;
        var queues = Enumerable.Range(0, Clients).Select(client =>
        {
            var mine = counties.Where((_, i) => i % Clients == client).Select(c => c.County).ToArray();
            return new Queue<(string County, int Year, string? Area)>(Areas.SelectMany(area => Years.SelectMany(year => mine.Select(county => (county, year, area)))));
        }).ToArray();
        var cellCount = queues.Sum(q => q.Count);

        var acknowledged = new ConcurrentDictionary<int, Push>();
        var pending = new ConcurrentDictionary<int, Push>();     // attempted, last attempt not acknowledged
        var failures = new ConcurrentDictionary<string, int>();  // status or exception → count
        var ackTimes = new ConcurrentQueue<double>();            // seconds into the load
        var attempts = 0;
        using var stopLoad = new CancellationTokenSource();
        var load = Stopwatch.StartNew();

        async Task<bool> TryPushAsync(HttpClient client, Push push)
        {
            Interlocked.Increment(ref attempts);
            try
            {
                using var response = await client.PostAsync($"api/v1/counties/{push.County}/data-values", Http.PushBody(push.Year,
                    (Mmr, push.MmrFigures.Numerator, push.MmrFigures.Denominator, push.Area),
                    (Screening, push.ScreeningFigures.Numerator, push.ScreeningFigures.Denominator, push.Area)));
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
                var code = (int)response.StatusCode;
                Assert.True(code >= 500, $"push {push} answered {code}: {await response.Content.ReadAsStringAsync()}");
                failures.AddOrUpdate(code.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failures.AddOrUpdate(e.GetType().Name, 1, (_, n) => n + 1);
            }
            return false;
        }

        async Task ClientAsync(int client)
        {
            using var clientHttp = Http.Client(gateway.BaseAddress, TimeSpan.FromSeconds(5));
            var queue = queues[client];
            while (!stopLoad.IsCancellationRequested && queue.Count > 0)
            {
                var (county, year, area) = queue.Dequeue();
                var push = new Push(Interlocked.Increment(ref number), county, year, area);
                pending[push.Number] = push;
                // Retry the same figures until acknowledged or the load stops (then the finishing phase retries).
                while (!stopLoad.IsCancellationRequested)
                {
                    if (await TryPushAsync(clientHttp, push))
                    {
                        pending.TryRemove(push.Number, out _);
                        acknowledged[push.Number] = push;
                        ackTimes.Enqueue(load.Elapsed.TotalSeconds);
                        break;
                    }
                    await Task.Delay(100);
                }
            }
        }

        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(() => ClientAsync(c))).ToArray();
        // Kill about 3 s into the load (earlier on a machine fast enough to push a quarter of all cells by then).
        // On a loaded machine the first pushes (which activate the province, cities and counties) can take longer than
        // KillAfter: wait (bounded) until the load is really under way, so the kill always lands under load.
        while ((load.Elapsed < KillAfter || acknowledged.IsEmpty) && acknowledged.Count < cellCount / 4 && load.Elapsed < MaxWaitForLoad)
        {
            await Task.Delay(50);
        }
        var victim = silos[1];
        var ackedBeforeKill = acknowledged.Count;
        victim.Kill();
        var killedAt = load.Elapsed.TotalSeconds;
        var declaredDead = WaitForDeadAsync(connectionString, clusterId, victim.SiloPort, TimeSpan.FromSeconds(60));
        var replacement = Track(SiloProcess.Start("silo4", connectionString, clusterId, siloSettings));
        // Keep pushing until the killed silo is declared dead and pushes have been acknowledged for a few seconds after
        // that (bounded): the counties and roll-ups it owned are then re-placed on the survivors while under load. Pushes
        // to the cities the survivors own go on meanwhile, so an acknowledgement alone does not mean recovery.
        double? recoveredAt = null;
        while (load.Elapsed.TotalSeconds < killedAt + MaxLoadAfterKill.TotalSeconds
               && (recoveredAt is null || load.Elapsed.TotalSeconds < recoveredAt + LoadAfterRecovery.TotalSeconds))
        {
            if (declaredDead.IsCompleted && await declaredDead is { } dead)
            {
                recoveredAt ??= ackTimes.Where(t => t > killedAt + dead.TotalSeconds).Select(t => (double?)t).FirstOrDefault();
            }
            await Task.Delay(100);
        }
        stopLoad.Cancel();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30));
        var loadSeconds = load.Elapsed.TotalSeconds;
        var ackedDuringLoad = acknowledged.Count;
        var unfinished = pending.Count;

        // Finish what the load left unacknowledged: the same figures again, until each is acknowledged (bounded).
        var finishing = Stopwatch.StartNew();
        using (var finishHttp = Http.Client(gateway.BaseAddress, TimeSpan.FromSeconds(10)))
        {
            while (!pending.IsEmpty && finishing.Elapsed < TimeSpan.FromSeconds(60))
            {
                foreach (var push in pending.Values.OrderBy(p => p.Number).ToArray())
                {
                    if (await TryPushAsync(finishHttp, push))
                    {
                        pending.TryRemove(push.Number, out _);
                        acknowledged[push.Number] = push;
                    }
                }
                if (!pending.IsEmpty)
                {
                    await Task.Delay(250);
                }
            }
        }
        var finishSeconds = finishing.Elapsed.TotalSeconds;
        await replacement.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var deadAfter = await declaredDead;
        output.WriteLine($"the killed silo was declared dead in the membership table {deadAfter?.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) ?? "never (60 s)"} s after the kill");
        var times = ackTimes.Order().ToArray();
        var firstAfterKill = times.FirstOrDefault(t => t > killedAt + 0.5, double.NaN);   // not one already answered before the kill
        var longestStall = times.Append(killedAt).Order().Zip(times.Append(killedAt).Order().Skip(1), (a, b) => b - a).DefaultIfEmpty().Max();
        output.WriteLine($"silo killed at {killedAt:F1} s into the load; {ackedBeforeKill} pushes acknowledged before, {times.Count(t => t > killedAt)} after; " +
                         $"first acknowledgement after the kill at +{firstAfterKill - killedAt:F1} s, longest stall {longestStall:F1} s");
        output.WriteLine($"load {loadSeconds:F1} s: " +
                         $"{ackedDuringLoad} pushes acknowledged during the load, {unfinished} finished afterwards in {finishSeconds:F1} s; " +
                         $"{attempts} attempts, failures: {string.Join(", ", failures.OrderBy(f => f.Key).Select(f => $"{f.Key}×{f.Value}"))}");
        Assert.True(deadAfter is not null, $"the killed silo was not declared dead within 60 s\n{Diagnostics()}");
        Assert.True(pending.IsEmpty, $"{pending.Count} push(es) still unacknowledged 60 s after the load.\n{Diagnostics()}");
        Assert.True(ackedBeforeKill > 0, "no push acknowledged before the kill: the load did not start");
        Assert.True(acknowledged.Count > ackedBeforeKill, "no push acknowledged after the kill");

        // (a) Every acknowledged cell reads back exactly at its county (each cell was pushed by one push only).
        var lost = new List<string>();
        var byCounty = acknowledged.Values.GroupBy(p => p.County).ToArray();
        await Parallel.ForEachAsync(byCounty, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (group, _) =>
        {
            foreach (var (indicator, figures) in new (string, Func<Push, (decimal, decimal)>)[] { (Mmr, p => p.MmrFigures), (Screening, p => p.ScreeningFigures) })
            {
                var series = await GetJsonAsync(http, $"api/v1/org-units/{group.Key}/indicators/{indicator}");
                foreach (var push in group)
                {
                    var point = SeriesPoint(series, push.Area, push.Year);
                    if (point != figures(push))
                    {
                        lock (lost)
                        {
                            lost.Add($"{group.Key} {indicator} {push.Year} {push.Area ?? "total"}: expected {figures(push)}, read {point?.ToString() ?? "nothing"}");
                        }
                    }
                }
            }
        });
        output.WriteLine($"lost acknowledged values: {lost.Count} of {acknowledged.Count * 2} cells");
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged value(s) lost:\n{string.Join("\n", lost.Take(20))}\n{Diagnostics()}");

        // (b) The province and every touched city converge: consistent with their counties, and holding exactly the
        //     sums of the acknowledged figures (Σ numerators, Σ denominators, reporting units) in every cell.
        var expected = acknowledged.Values
            .SelectMany(p => new[] { (Indicator: Mmr, Figures: p.MmrFigures, Push: p), (Indicator: Screening, Figures: p.ScreeningFigures, Push: p) })
            .SelectMany(x => new[] { "510000", cityOf[x.Push.County] }.Select(unit => (Key: new RollupKey(unit, x.Indicator, x.Push.Year, x.Push.Area), x.Figures)))
            .GroupBy(x => x.Key)
            .ToDictionary(g => g.Key, g => (Numerator: g.Sum(x => x.Figures.Numerator), Denominator: g.Sum(x => x.Figures.Denominator), Units: g.Count()));
        var touchedCities = acknowledged.Values.Select(p => cityOf[p.County]).Distinct().Order(StringComparer.Ordinal).ToArray();
        var converging = Stopwatch.StartNew();
        var problems = new List<string>();
        while (true)
        {
            problems.Clear();
            foreach (var unit in touchedCities.Prepend("510000"))
            {
                var report = await GetJsonAsync(http, $"api/v1/org-units/{unit}/consistency");
                if (!report.GetProperty("consistent").GetBoolean())
                {
                    problems.Add($"{unit}: {report.GetProperty("differences").GetArrayLength()} difference(s), e.g. {report.GetProperty("differences")[0]}");
                }
            }
            foreach (var group in expected.GroupBy(e => (e.Key.Unit, e.Key.Year)))
            {
                var rollup = await GetJsonAsync(http, $"api/v1/org-units/{group.Key.Unit}/rollup?year={group.Key.Year}");
                foreach (var (key, sums) in group)
                {
                    var actual = RollupEntry(rollup, key.Indicator, key.Area) is { } found ? (found.Numerator, found.Denominator, found.Units) : default;
                    if (actual != sums)
                    {
                        problems.Add($"{key}: expected {sums}, rollup {actual}");
                    }
                }
            }
            if (problems.Count == 0 || converging.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }
            await Task.Delay(500);
        }
        output.WriteLine($"province 510000 and {touchedCities.Length} cities consistent and equal to the exact sums after {converging.Elapsed.TotalSeconds:F1} s " +
                         $"({expected.Count} roll-up cells checked); whole test {total.Elapsed.TotalSeconds:F1} s");
        Assert.True(problems.Count == 0, $"not converged within 30 s:\n{string.Join("\n", problems.Take(20))}\n{Diagnostics()}");
        Assert.Equal(acknowledged.Count * 2, expected.Where(e => e.Key.Unit == "510000").Sum(e => e.Value.Units));
    }

    private sealed record RollupKey(string Unit, string Indicator, int Year, string? Area);

    /// <summary>How long until the survivors mark the killed silo Dead (6) in OrleansMembershipTable; null on timeout.</summary>
    private static async Task<TimeSpan?> WaitForDeadAsync(string connectionString, string clusterId, int siloPort, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        while (clock.Elapsed < timeout)
        {
            await using var command = new Npgsql.NpgsqlCommand("SELECT status FROM OrleansMembershipTable WHERE deploymentid = @c AND port = @p", connection);
            command.Parameters.AddWithValue("c", clusterId);
            command.Parameters.AddWithValue("p", siloPort);
            if (await command.ExecuteScalarAsync() is 6)
            {
                return clock.Elapsed;
            }
            await Task.Delay(200);
        }
        return null;
    }

    private T Track<T>(T process) where T : ChildProcess
    {
        _processes.Add(process);
        return process;
    }

    private string Diagnostics() =>
        string.Join("\n", _processes.Select(p => $"----- {p.Name} (pid {p.ProcessId}, exited: {p.HasExited}) -----\n{Tail(p.Output, 6000)}"));

    private static string Tail(string text, int chars) => text.Length <= chars ? text : "…" + text[^chars..];

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        // Reads are retried briefly: a read may land on a grain that is being moved off the killed silo.
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return JsonDocument.Parse(body).RootElement.Clone();
            }
            if (attempt >= 10 || (int)response.StatusCode < 500)
            {
                throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {body}");
            }
            await Task.Delay(300);
        }
    }

    private static async Task<string[]> ChildrenAsync(HttpClient http, string code) =>
        [.. (await GetJsonAsync(http, $"api/v1/divisions/{code}")).GetProperty("children").EnumerateArray().Select(c => c.GetProperty("code").GetString()!)];

    private static bool SameArea(JsonElement disaggregation, string? area) =>
        area is null
            ? !disaggregation.EnumerateObject().Any()
            : disaggregation.EnumerateObject().Count() == 1 && disaggregation.TryGetProperty("area", out var a) && a.GetString() == area;

    private static (decimal, decimal)? SeriesPoint(JsonElement series, string? area, int year)
    {
        foreach (var s in series.GetProperty("series").EnumerateArray().Where(s => SameArea(s.GetProperty("disaggregation"), area)))
        {
            foreach (var p in s.GetProperty("points").EnumerateArray().Where(p => p.GetProperty("year").GetInt32() == year))
            {
                return (p.GetProperty("numerator").GetDecimal(), p.GetProperty("denominator").GetDecimal());
            }
        }
        return null;
    }

    private static (decimal Numerator, decimal Denominator, int Units)? RollupEntry(JsonElement rollup, string indicator, string? area)
    {
        foreach (var e in rollup.GetProperty("indicators").EnumerateArray())
        {
            if (e.GetProperty("indicator").GetString() == indicator && SameArea(e.GetProperty("disaggregation"), area))
            {
                return (e.GetProperty("numerator").GetDecimal(), e.GetProperty("denominator").GetDecimal(), e.GetProperty("reportingUnits").GetInt32());
            }
        }
        return null;
    }
}
