using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// A silo process and a gateway process while PostgreSQL goes down (immediate shutdown, as in a crash) and comes back:
/// no push is acknowledged while the database is down, pushes succeed again once it is back, and every acknowledged
/// value is durable — read back by a new cluster after the silo is SIGKILLed.
/// </summary>
/// <remarks>Has a PostgreSQL server of its own because it stops it.</remarks>
[Collection(ProcessCollection.Name)]
public sealed class PostgresDownTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Mmr = "maternal-mortality-rate";
    private readonly List<ChildProcess> _processes = [];
    private PostgresServer? _server;

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private sealed record Cell(string County, int Year, int Number)
    {
        public (decimal Numerator, decimal Denominator) Figures => (Number, 100_000 + Number);
    }

    [Fact]
    public async Task No_push_is_acknowledged_while_postgres_is_down_and_acknowledged_values_survive_the_outage()
    {
        var total = Stopwatch.StartNew();
        var server = _server!;
        var connectionString = await server.CreateMigratedDatabaseAsync("pgdown");
        var clusterId = "pgdown-" + Guid.NewGuid().ToString("N")[..8];
        var silo = Track(SiloProcess.Start("silo", connectionString, clusterId));
        var gateway = Track(GatewayProcess.Start("gateway", connectionString, clusterId));
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(90));
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(90));

        using var http = Http.Client(gateway.BaseAddress, TimeSpan.FromSeconds(10));
        var counties = new List<string>();
        foreach (var city in (await GetJsonAsync(http, "api/v1/divisions/510000")).GetProperty("children").EnumerateArray().Take(4))
        {
            counties.AddRange((await GetJsonAsync(http, $"api/v1/divisions/{city.GetProperty("code").GetString()}")).GetProperty("children")
                .EnumerateArray().Select(c => c.GetProperty("code").GetString()!));
        }
        Assert.True(counties.Count >= 30, $"only {counties.Count} counties");
        // Every cell (county × year) is pushed by one push only (with figures of its own), so what is read back is
        // unambiguous: five counties get 2021 before the outage and 2022/2023 during it; the others get fresh cells.
        var active = counties.Take(5).ToArray();
        var cells = new Queue<Cell>(new[] { 2021, 2022, 2023, 2024 }.SelectMany(y => counties.Skip(5).Select(c => (c, y))).Select((x, i) => new Cell(x.c, x.y, 1000 + i)));
        var acknowledged = new List<Cell>();

        // Before: every push is acknowledged.
        for (var i = 0; i < 5; i++)
        {
            var cell = new Cell(active[i], 2021, i + 1);
            var (status, body, _) = await PushAsync(http, cell);
            Assert.True(status == HttpStatusCode.OK, $"push before the outage answered {status}: {body}\n{Diagnostics()}");
            acknowledged.Add(cell);
        }

        // Down: 20 pushes over about 5 s, half to counties whose grains are active, half to counties not yet touched.
        await server.StopServerAsync();
        var outage = new List<(Cell Cell, HttpStatusCode? Status, string? RetryAfter)>();
        var outageClock = Stopwatch.StartNew();
        for (var i = 0; i < 20 && outageClock.Elapsed < TimeSpan.FromSeconds(30); i++)
        {
            var cell = i % 2 == 0 ? new Cell(active[i / 2 % active.Length], 2022 + i / 10, 100 + i) : cells.Dequeue();
            var (status, _, retryAfter) = await PushAsync(http, cell);
            outage.Add((cell, status, retryAfter));
            await Task.Delay(250);
        }
        var outageSeconds = outageClock.Elapsed.TotalSeconds;
        await server.StartServerAsync();
        var summary = string.Join(", ", outage.GroupBy(o => o.Status?.ToString() ?? "timeout").Select(g => $"{g.Key}×{g.Count()}"));
        output.WriteLine($"{outage.Count} pushes in {outageSeconds:F1} s while PostgreSQL was down: {summary}");
        Assert.Equal(20, outage.Count);
        Assert.Equal(0, outage.Count(o => o.Status is { } s && (int)s < 300));      // never acknowledged while down
        // The documented answer: 503 with Retry-After, whether the county's grain was active or had to be activated.
        Assert.True(outage.All(o => o.Status == HttpStatusCode.ServiceUnavailable && o.RetryAfter == "5"), $"not all 503 + Retry-After: {summary}\n{Diagnostics()}");

        // Back: the pushes refused during the outage are retried (same figures) and succeed within 60 s.
        var recovery = Stopwatch.StartNew();
        TimeSpan? firstSuccess = null;
        var retries = 0;
        var toRetry = new Queue<Cell>(outage.Select(o => o.Cell));
        while (toRetry.Count > 0 && recovery.Elapsed < TimeSpan.FromSeconds(60))
        {
            var cell = toRetry.Peek();
            retries++;
            var (status, _, _) = await PushAsync(http, cell);
            if (status == HttpStatusCode.OK)
            {
                firstSuccess ??= recovery.Elapsed;
                acknowledged.Add(toRetry.Dequeue());
            }
            else
            {
                await Task.Delay(250);
            }
        }
        output.WriteLine($"first push acknowledged {firstSuccess?.TotalSeconds:F1} s after PostgreSQL restarted; all {outage.Count} refused pushes acknowledged after {recovery.Elapsed.TotalSeconds:F1} s ({retries} attempts)");
        Assert.True(toRetry.Count == 0, $"{toRetry.Count} push(es) still refused 60 s after PostgreSQL restarted\n{Diagnostics()}");

        // After recovery, fresh pushes are acknowledged at once.
        for (var i = 0; i < 5; i++)
        {
            var cell = cells.Dequeue();
            var (status, body, _) = await PushAsync(http, cell);
            Assert.True(status == HttpStatusCode.OK, $"push after recovery answered {status}: {body}\n{Diagnostics()}");
            acknowledged.Add(cell);
        }

        // Durable: SIGKILL the silo and the gateway; a new cluster (same service, same database) reads every value.
        silo.Kill();
        gateway.Kill();
        var restartId = clusterId + "-b";
        var silo2 = Track(SiloProcess.Start("silo2", connectionString, restartId));
        var gateway2 = Track(GatewayProcess.Start("gateway2", connectionString, restartId));
        await silo2.WaitReadyAsync(TimeSpan.FromSeconds(90));
        await gateway2.WaitReadyAsync(TimeSpan.FromSeconds(90));
        using var http2 = Http.Client(gateway2.BaseAddress, TimeSpan.FromSeconds(10));
        var wrong = new List<string>();
        foreach (var county in acknowledged.GroupBy(c => c.County))
        {
            var series = await GetJsonAsync(http2, $"api/v1/org-units/{county.Key}/indicators/{Mmr}");
            foreach (var cell in county)
            {
                var point = series.GetProperty("series").EnumerateArray().Single(s => !s.GetProperty("disaggregation").EnumerateObject().Any())
                    .GetProperty("points").EnumerateArray().Where(p => p.GetProperty("year").GetInt32() == cell.Year)
                    .Select(p => ((decimal, decimal)?)(p.GetProperty("numerator").GetDecimal(), p.GetProperty("denominator").GetDecimal())).SingleOrDefault();
                if (point != cell.Figures)
                {
                    wrong.Add($"{cell.County} {cell.Year}: expected {cell.Figures}, read {point?.ToString() ?? "nothing"}");
                }
            }
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {acknowledged.Count} acknowledged value(s) not read back:\n{string.Join("\n", wrong)}\n{Diagnostics()}");

        // The rebuilt province holds exactly the acknowledged figures.
        foreach (var year in acknowledged.Select(c => c.Year).Distinct())
        {
            var rollup = await GetJsonAsync(http2, $"api/v1/org-units/510000/rollup?year={year}");
            var entry = rollup.GetProperty("indicators").EnumerateArray()
                .Single(e => e.GetProperty("indicator").GetString() == Mmr && !e.GetProperty("disaggregation").EnumerateObject().Any());
            var mine = acknowledged.Where(c => c.Year == year).ToArray();
            Assert.Equal((mine.Sum(c => c.Figures.Numerator), mine.Sum(c => c.Figures.Denominator), mine.Length),
                (entry.GetProperty("numerator").GetDecimal(), entry.GetProperty("denominator").GetDecimal(), entry.GetProperty("reportingUnits").GetInt32()));
        }
        output.WriteLine($"{acknowledged.Count} acknowledged values read back by a new cluster; whole test {total.Elapsed.TotalSeconds:F1} s");
    }

    private T Track<T>(T process) where T : ChildProcess
    {
        _processes.Add(process);
        return process;
    }

    private string Diagnostics() =>
        string.Join("\n", _processes.Select(p => $"----- {p.Name} (pid {p.ProcessId}, exited: {p.HasExited}) -----\n{(p.Output.Length > 6000 ? "…" + p.Output[^6000..] : p.Output)}"));

    private static async Task<(HttpStatusCode? Status, string Body, string? RetryAfter)> PushAsync(HttpClient http, Cell cell)
    {
        try
        {
            using var response = await http.PostAsync($"api/v1/counties/{cell.County}/data-values",
                Http.PushBody(cell.Year, (Mmr, cell.Figures.Numerator, cell.Figures.Denominator, null)));
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.ToString());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, e.Message, null);
        }
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
