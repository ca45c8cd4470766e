using System.Diagnostics;
using System.Globalization;

namespace OrleansPlans.Bench;

/// <summary>
/// What the tool starts itself on loopback: a throwaway PostgreSQL (migrated by the silo's <c>migrate</c> command), N
/// silo processes and one gateway (--spawn), or one embedded gateway (--embedded). Everything is killed at the end.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly BenchOptions _options;
    private readonly Action<string> _progress;
    private readonly List<ChildProcess> _all = [];
    private readonly List<(int Http, int Silo, int Gateway)> _siloPorts = [];
    private int _gatewayHttpPort;
    private int _generation;

    private Cluster(BenchOptions options, string workDirectory, Action<string> progress)
    {
        _options = options;
        WorkDirectory = workDirectory;
        _progress = progress;
        ClusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
    }

    public string WorkDirectory { get; }

    public BenchMode Mode => _options.Mode;

    public string ClusterId { get; }

    private IReadOnlyList<string> _provinces = [];

    public PostgresServer? Postgres { get; private set; }

    /// <summary>The product database (silo storage, membership, ledger) and the baselines' tables.</summary>
    public string? ConnectionString { get; private set; }

    /// <summary>The connection string given to the silos and the gateway (with --conn-options appended).</summary>
    public string? ProductConnectionString =>
        ConnectionString is null || string.IsNullOrWhiteSpace(_options.ConnectionOptions) ? ConnectionString : ConnectionString.TrimEnd(';') + ";" + _options.ConnectionOptions;

    public List<ChildProcess> Silos { get; } = [];

    public ChildProcess? Gateway { get; private set; }

    public string SiloDll { get; private set; } = "";

    public string GatewayDll { get; private set; } = "";

    public TimeSpan StartupTime { get; private set; }

    /// <param name="provinces">The provinces the load reaches, configured as the silos' Orleans:WarmProvinces (as a
    /// deployment serving them would be).</param>
    public static async Task<Cluster> StartAsync(BenchOptions options, IReadOnlyList<string> provinces, Action<string> progress)
    {
        var work = Path.Combine(Path.GetTempPath(), "orleans-plans-bench-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(work);
        var cluster = new Cluster(options, work, progress) { _provinces = provinces };
        try
        {
            await cluster.StartCoreAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync()
    {
        var clock = Stopwatch.StartNew();
        (SiloDll, GatewayDll) = Binaries.Locate(_options);
        if (_options.Mode == BenchMode.Spawn || (_options.Mode == BenchMode.Embedded && _options.Baselines && _options.BaselineConnectionString is null))
        {
            Postgres = await PostgresServer.StartAsync(WorkDirectory, _options.PostgresSettings);
            ConnectionString = await Postgres.CreateDatabaseAsync("plans");
            _progress($"PostgreSQL on 127.0.0.1:{Postgres.Port} ({Postgres.Version.Split(" on ")[0]}), data in {Postgres.Directory}");
        }
        if (_options.Mode == BenchMode.Spawn)
        {
            var migrate = await Run.ToolAsync("dotnet", [SiloDll, "migrate"],
                new Dictionary<string, string> { ["ConnectionStrings__OrleansPlans"] = ConnectionString!, ["DOTNET_ENVIRONMENT"] = "Production" },
                Path.GetDirectoryName(SiloDll));
            await File.WriteAllTextAsync(Path.Combine(WorkDirectory, "migrate.log"), migrate);
            _progress("migrated (dotnet OrleansPlans.Silo.dll migrate)");
            for (var i = 0; i < _options.Silos; i++)
            {
                _siloPorts.Add((PostgresServer.FreePort(), PostgresServer.FreePort(), PostgresServer.FreePort()));
            }
            _gatewayHttpPort = PostgresServer.FreePort();
            await StartProcessesAsync();
        }
        else
        {
            _gatewayHttpPort = PostgresServer.FreePort();
            var environment = new Dictionary<string, string>
            {
                ["Demo__Enabled"] = "false",
                ["Orleans__SiloPort"] = PostgresServer.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans__GatewayPort"] = PostgresServer.FreePort().ToString(CultureInfo.InvariantCulture),
            };
            AddWarmProvinces(environment);
            AddExtra(environment);
            Gateway = Track(new ChildProcess("gateway (embedded)", GatewayDll, _gatewayHttpPort, environment, Path.Combine(WorkDirectory, "gateway.log")));
            await Gateway.WaitReadyAsync(TimeSpan.FromSeconds(120));
        }
        StartupTime = clock.Elapsed;
    }

    /// <summary>
    /// Starts the silos and the gateway: on the same ports every time, so a restarted silo supersedes its dead entry in
    /// the membership table, or with <paramref name="newSiloPorts"/> on new silo and gateway ports, as a pod that comes
    /// back with a new address.
    /// </summary>
    public async Task StartProcessesAsync(bool newSiloPorts = false)
    {
        _generation++;
        Silos.Clear();
        if (newSiloPorts)
        {
            for (var i = 0; i < _siloPorts.Count; i++)
            {
                _siloPorts[i] = (_siloPorts[i].Http, PostgresServer.FreePort(), PostgresServer.FreePort());
            }
        }
        for (var i = 0; i < _siloPorts.Count; i++)
        {
            Silos.Add(StartSilo(i + 1, _siloPorts[i]));
        }
        var gatewayEnvironment = new Dictionary<string, string>
        {
            ["ConnectionStrings__OrleansPlans"] = ProductConnectionString!,
            ["Orleans__ClusterId"] = ClusterId,
            ["Demo__Enabled"] = "false",
        };
        AddExtra(gatewayEnvironment);
        Gateway = Track(new ChildProcess("gateway", GatewayDll, _gatewayHttpPort, gatewayEnvironment, Path.Combine(WorkDirectory, $"gateway.{_generation}.log")));
        await Task.WhenAll(Silos.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(180))));
        await Gateway.WaitReadyAsync(TimeSpan.FromSeconds(180));
    }

    /// <summary>
    /// With several silos: waits until every county is active, each silo holds some and none holds a grain another
    /// silo owns, i.e. the silos have handed each other the cities they own (the first silo up warms the province
    /// alone; the others take theirs over seconds later). Returns the wait and each silo's counties; null if they did not settle within <paramref name="timeout"/>.
    /// </summary>
    public async Task<(TimeSpan Waited, int[] Counties)?> WaitForPartitionsAsync(int counties, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var scraped = await Task.WhenAll(Silos.Select(async silo => await MetricsScraper.ScrapeAsync(silo.BaseAddress)));
            var held = scraped.Select(m => (int)(MetricsScraper.Sum(m.Where(l => l.Contains("grain_type=\"county\"", StringComparison.Ordinal)), "orleans_catalog_activations") ?? 0)).ToArray();
            var misplaced = scraped.Sum(m => MetricsScraper.Sum(m.Where(l => l.Contains("state=\"misplaced\"", StringComparison.Ordinal)), "orleansplans_placement_grains") ?? 1);
            // At least the scenario's counties: the silos warm the whole province, more than --cities N pushes to.
            if (held.Sum() >= counties && held.All(n => n > 0) && misplaced == 0)
            {
                return (clock.Elapsed, held);
            }
            if (clock.Elapsed > timeout)
            {
                return null;
            }
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// Starts one more silo (ports of its own) into the running cluster and waits until it is ready; it is not restarted
    /// by a cold start, which restarts the silos the run began with.
    /// </summary>
    public async Task<ChildProcess> AddSiloAsync()
    {
        var silo = StartSilo(Silos.Count + 1, (PostgresServer.FreePort(), PostgresServer.FreePort(), PostgresServer.FreePort()));
        Silos.Add(silo);
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(180));
        return silo;
    }

    private ChildProcess StartSilo(int number, (int Http, int Silo, int Gateway) ports)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__OrleansPlans"] = ProductConnectionString!,
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__SiloPort"] = ports.Silo.ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = ports.Gateway.ToString(CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Orleans__SiloName"] = $"silo{number}",
            ["Demo__Enabled"] = "false",
        };
        AddWarmProvinces(environment);
        AddExtra(environment);
        return Track(new ChildProcess($"silo{number}", SiloDll, ports.Http, environment, Path.Combine(WorkDirectory, $"silo{number}.{_generation}.log")));
    }

    /// <summary>SIGKILL of every silo and the gateway (no graceful shutdown, no membership update).</summary>
    public void KillProcesses()
    {
        foreach (var silo in Silos)
        {
            silo.Kill();
        }
        Gateway?.Kill();
    }

    public Uri GatewayAddress => Gateway!.BaseAddress;

    private void AddWarmProvinces(Dictionary<string, string> environment)
    {
        for (var i = 0; i < _provinces.Count; i++)
        {
            environment[$"Orleans__WarmProvinces__{i}"] = _provinces[i];
        }
    }

    private void AddExtra(Dictionary<string, string> environment)
    {
        foreach (var (k, v) in _options.ExtraEnvironment)
        {
            environment[k] = v;
        }
    }

    private ChildProcess Track(ChildProcess process)
    {
        _all.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _all)
        {
            process.Dispose();
        }
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
        if (!_options.Keep)
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        else
        {
            _progress($"kept {WorkDirectory} (PostgreSQL data, process logs)");
        }
    }
}

/// <summary>The built silo and gateway (src/*/bin/&lt;config&gt;/net10.0) of the repository this tool belongs to.</summary>
public static class Binaries
{
    public static (string Silo, string Gateway) Locate(BenchOptions options)
    {
        var root = options.BinDirectory ?? RepoRoot();
        var silo = Path.Combine(root, "src", "Silo", "bin", options.Configuration, "net10.0", "OrleansPlans.Silo.dll");
        var gateway = Path.Combine(root, "src", "Gateway", "bin", options.Configuration, "net10.0", "OrleansPlans.Gateway.dll");
        if (!File.Exists(gateway) || (options.Mode == BenchMode.Spawn && !File.Exists(silo)))
        {
            throw new FileNotFoundException($"{gateway} or {silo} not found: build the solution with -c {options.Configuration} first (or pass --bin/--config)");
        }
        return (silo, gateway);
    }

    public static string RepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "OrleansPlans.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new DirectoryNotFoundException($"No OrleansPlans.sln above {AppContext.BaseDirectory} or the current directory: pass --bin");
    }
}
