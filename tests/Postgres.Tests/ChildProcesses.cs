using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace OrleansPlans.Postgres.Tests;

/// <summary>Where the built silo and gateway are: the same configuration (bin/Release or bin/Debug) as this test binary.</summary>
public static class BuiltBinaries
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>"Release" or "Debug": the folder name under bin/ that this test assembly was built into.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string SiloDll => Locate("Silo", "OrleansPlans.Silo.dll");

    public static string GatewayDll => Locate("Gateway", "OrleansPlans.Gateway.dll");

    private static string Locate(string project, string dll)
    {
        var path = Path.Combine(RepoRoot, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} not found: build the solution with -c {Configuration} first", path);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansPlans.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No OrleansPlans.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>
/// A silo or gateway started as a separate <c>dotnet</c> process on 127.0.0.1, its console output captured for failure
/// messages. Disposing kills the process tree (SIGKILL); every child is also killed when the test host exits.
/// </summary>
public abstract class ChildProcess : IDisposable
{
    private const int MaxOutputChars = 400_000;
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values)
            {
                TryKill(process);
            }
        };
    }

    protected ChildProcess(string name, string dll, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, int httpPort)
    {
        Name = name;
        HttpPort = httpPort;
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        // Nothing from the test host's own ASP.NET/Orleans settings leaks into the child.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("Orleans__", StringComparison.Ordinal)
                     || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("OrleansPlans__", StringComparison.Ordinal)).ToArray())
        {
            psi.Environment.Remove(key);
        }
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["DOTNET_gcServer"] = "0";             // several processes share two cores in CI
        psi.Environment["DOTNET_TieredPGO"] = "0";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        psi.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        psi.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        Append($"[{DateTime.Now:HH:mm:ss.fff}] starting {name}: dotnet {string.Join(' ', psi.ArgumentList)}");
        _process.Start();
        Running[_process.Id] = _process;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int HttpPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The captured console output (stdout and stderr interleaved), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Polls <c>/readyz</c> until it answers 200; throws with the process output on timeout or exit.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = Http.Client(BaseAddress, TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was ready.\n{Output}");
            }
            try
            {
                using var response = await http.GetAsync("readyz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Append($"[{DateTime.Now:HH:mm:ss.fff}] ready after {clock.Elapsed.TotalSeconds:F1} s");
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds} s.\n{Output}");
    }

    /// <summary>SIGKILL of the whole process tree: no graceful shutdown, no membership update.</summary>
    public void Kill()
    {
        Append($"[{DateTime.Now:HH:mm:ss.fff}] killed by the test");
        TryKill(_process);
        Running.TryRemove(_process.Id, out _);
    }

    /// <summary>SIGTERM (graceful host shutdown), then SIGKILL after the timeout.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var term = Process.Start(new ProcessStartInfo("kill", $"-TERM {_process.Id}") { UseShellExecute = false })!;
            await term.WaitForExitAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        Kill();
    }

    public void Dispose()
    {
        Kill();
        // ORLEANSPLANS_TEST_LOGS=<folder> keeps every child's console output for a look after the run.
        if (System.Environment.GetEnvironmentVariable("ORLEANSPLANS_TEST_LOGS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, $"{DateTime.Now:HHmmss}-{Name}-{ProcessId}.log"), Output);
        }
        _process.Dispose();
        GC.SuppressFinalize(this);
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length > MaxOutputChars)
            {
                _output.Remove(0, _output.Length - MaxOutputChars / 2).Insert(0, "…(earlier output dropped)\n");
            }
            _output.AppendLine(line);
        }
    }
}

/// <summary><c>dotnet OrleansPlans.Silo.dll</c> in PostgreSQL mode on loopback ports of its own.</summary>
public sealed class SiloProcess : ChildProcess
{
    private SiloProcess(string name, string connectionString, string clusterId, int httpPort, int siloPort, int gatewayPort, IReadOnlyDictionary<string, string>? extra)
        : base(name, BuiltBinaries.SiloDll, ["--urls", $"http://127.0.0.1:{httpPort}"], Environment(connectionString, clusterId, siloPort, gatewayPort, extra), httpPort)
    {
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public static SiloProcess Start(string name, string connectionString, string clusterId, IReadOnlyDictionary<string, string>? extra = null) =>
        new(name, connectionString, clusterId, PostgresServer.FreePort(), PostgresServer.FreePort(), PostgresServer.FreePort(), extra);

    private static Dictionary<string, string> Environment(string connectionString, string clusterId, int siloPort, int gatewayPort, IReadOnlyDictionary<string, string>? extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__OrleansPlans"] = connectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Demo__Enabled"] = "false",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        return environment;
    }
}

/// <summary><c>dotnet OrleansPlans.Gateway.dll</c> as an Orleans client of the PostgreSQL cluster.</summary>
public sealed class GatewayProcess : ChildProcess
{
    private GatewayProcess(string name, string connectionString, string clusterId, int httpPort, IReadOnlyDictionary<string, string>? extra)
        : base(name, BuiltBinaries.GatewayDll, ["--urls", $"http://127.0.0.1:{httpPort}"], Environment(connectionString, clusterId, extra), httpPort)
    {
    }

    public static GatewayProcess Start(string name, string connectionString, string clusterId, IReadOnlyDictionary<string, string>? extra = null) =>
        new(name, connectionString, clusterId, PostgresServer.FreePort(), extra);

    private static Dictionary<string, string> Environment(string connectionString, string clusterId, IReadOnlyDictionary<string, string>? extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__OrleansPlans"] = connectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Demo__Enabled"] = "false",
            // Tokens signed with the test key (TestTokens) are accepted; no development issuer with a database.
            ["Auth__SigningKey"] = TestTokens.SigningKey,
            // The load tests push as one principal faster than the production default allows.
            ["Auth__RateLimit__PermitsPerSecond"] = "100000",
            ["Auth__RateLimit__Burst"] = "100000",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        return environment;
    }
}

/// <summary>HTTP helpers for talking to a gateway process on loopback.</summary>
public static class Http
{
    /// <summary>A client authenticated as a national province administrator (a token signed with the gateways' test key).</summary>
    public static HttpClient Client(Uri baseAddress, TimeSpan timeout) =>
        new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2), MaxConnectionsPerServer = 64 })
        {
            BaseAddress = baseAddress,
            Timeout = timeout,
            DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestTokens.Create("province-admin", "000000")) },
        };

    /// <summary>A county push of total rows: (indicator, numerator, denominator).</summary>
    public static StringContent PushBody(int year, params (string Indicator, decimal Numerator, decimal Denominator, string? Area)[] rows)
    {
        var values = rows.Select(r => r.Area is null
            ? (object)new { indicator = r.Indicator, numerator = r.Numerator, denominator = r.Denominator }
            : new { indicator = r.Indicator, disaggregation = new Dictionary<string, string> { ["area"] = r.Area }, numerator = r.Numerator, denominator = r.Denominator });
        var json = System.Text.Json.JsonSerializer.Serialize(new { year, values });
        return new StringContent(json, Encoding.UTF8, "application/json");
    }
}
