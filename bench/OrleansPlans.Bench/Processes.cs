using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OrleansPlans.Bench;

/// <summary>
/// A throwaway PostgreSQL cluster (the approach of tests/Postgres.Tests/PostgresServer.cs): initdb in a temp folder,
/// pg_ctl on a free loopback port, run as the unprivileged postgres user when the tool runs as root. fsync and
/// synchronous_commit keep their defaults (on): an acknowledged write is durable.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly bool _asPostgresUser;

    private PostgresServer(string bin, string dir, int port, bool asPostgresUser)
    {
        _bin = bin;
        Directory = dir;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public string Directory { get; }

    public int Port { get; }

    public string Version { get; private set; } = "";

    public string ConnectionString(string database, int maxPool = 100) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size={maxPool};Timeout=15;Command Timeout=120";

    public static async Task<PostgresServer> StartAsync(string parent, IReadOnlyDictionary<string, string> settings)
    {
        var bin = FindBinaries();
        var dir = Path.Combine(parent, "pg");
        System.IO.Directory.CreateDirectory(dir);
        var asPostgres = Environment.UserName == "root";
        if (asPostgres)
        {
            await Run.ToolAsync("chown", ["postgres:", parent]);
            await Run.ToolAsync("chown", ["postgres:", dir]);
        }
        var server = new PostgresServer(bin, dir, FreePort(), asPostgres);
        await server.PgAsync("initdb", ["-D", $"{dir}/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["listen_addresses"] = "127.0.0.1",
            ["max_connections"] = "400",
            ["shared_preload_libraries"] = "pg_stat_statements",
            ["pg_stat_statements.track"] = "all",
            ["track_io_timing"] = "on",
        };
        foreach (var (k, v) in settings)
        {
            options[k] = v;
        }
        var o = $"-p {server.Port} -k {dir} " + string.Join(' ', options.Select(kv => $"-c {kv.Key}={kv.Value}"));
        await server.PgAsync("pg_ctl", ["-D", $"{dir}/data", "-l", $"{dir}/server.log", "-w", "-t", "60", "-o", o, "start"]);
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("SELECT version()", connection))
        {
            server.Version = (string)(await command.ExecuteScalarAsync())!;
        }
        return server;
    }

    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>The postmaster's process id (its backends are its children).</summary>
    public int? PostmasterPid()
    {
        var file = Path.Combine(Directory, "data", "postmaster.pid");
        try
        {
            return int.Parse(File.ReadLines(file).First(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgAsync("pg_ctl", ["-D", $"{Directory}/data", "-w", "-m", "immediate", "stop"]);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private Task PgAsync(string tool, IReadOnlyList<string> arguments)
    {
        var exe = Path.Combine(_bin, tool);
        return _asPostgresUser ? Run.ToolAsync("runuser", ["-u", "postgres", "--", exe, .. arguments]) : Run.ToolAsync(exe, arguments);
    }

    private static string FindBinaries()
    {
        var candidates = System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public static class Run
{
    public static async Task<string> ToolAsync(string file, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
        return await output + await error;
    }
}

/// <summary>
/// A silo or gateway started as its own <c>dotnet</c> process on 127.0.0.1, its console output written to a log file.
/// Killing sends SIGKILL (no graceful shutdown), as a crashed pod would.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly object _gate = new();

    public ChildProcess(string name, string dll, int httpPort, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        Name = name;
        HttpPort = httpPort;
        LogFile = logFile;
        _log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{httpPort}");
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("Orleans__", StringComparison.Ordinal)
                     || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("OrleansPlans__", StringComparison.Ordinal)
                     || k.StartsWith("Demo__", StringComparison.Ordinal) || k.StartsWith("DOTNET_", StringComparison.Ordinal)).ToArray())
        {
            psi.Environment.Remove(key);
        }
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (k, v) in BenchAuth.Environment.Concat(environment))
        {
            psi.Environment[k] = v;
        }
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        Append($"[{DateTime.Now:HH:mm:ss.fff}] bench: starting {name}: dotnet {string.Join(' ', psi.ArgumentList)}");
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Pid = _process.Id;
    }

    public string Name { get; }

    public int HttpPort { get; }

    public int Pid { get; }

    public string LogFile { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");

    public bool HasExited => _process.HasExited;

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = Http.Client(BaseAddress, TimeSpan.FromSeconds(5), 2);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was ready; log: {LogFile}\n{Tail(40)}");
            }
            try
            {
                using var response = await http.GetAsync("readyz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Append($"[{DateTime.Now:HH:mm:ss.fff}] bench: ready after {clock.Elapsed.TotalSeconds:F1} s");
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds} s; log: {LogFile}\n{Tail(40)}");
    }

    public string Tail(int lines)
    {
        try
        {
            lock (_gate)
            {
                _log.Flush();
            }
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        Append($"[{DateTime.Now:HH:mm:ss.fff}] bench: killed {Name}");
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        lock (_gate)
        {
            _log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}

public static class Http
{
    public static HttpClient Client(Uri baseAddress, TimeSpan timeout, int connections, bool acceptGzip = false) =>
        BenchAuth.Apply(new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            // With gzip the client sends Accept-Encoding and inflates what it receives, as a browser does (its CPU counts).
            AutomaticDecompression = acceptGzip ? DecompressionMethods.GZip : DecompressionMethods.None,
        })
        {
            BaseAddress = baseAddress,
            Timeout = timeout,
        });
}

/// <summary>CPU time and memory of processes from /proc (Linux).</summary>
public static class ProcStats
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ on Linux

    /// <summary>VmHWM (peak resident set) in bytes, or null when the process is gone.</summary>
    public static long? PeakRss(int pid) => StatusField(pid, "VmHWM:");

    public static long? Rss(int pid) => StatusField(pid, "VmRSS:");

    private static long? StatusField(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var kb = long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kb * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }

    /// <summary>User + system CPU seconds of a process (and, with children, of its live child processes).</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is state (field 3); utime is field 14, stime field 15.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>The postmaster and its backends/workers, with their CPU seconds.</summary>
    public static double CpuSecondsOfTree(int root)
    {
        // The root's own time plus what its exited, waited-for children used (cutime + cstime), plus live children.
        var total = CpuSeconds(root) + WaitedChildrenCpuSeconds(root);
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) || pid == root)
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == root)
                {
                    total += CpuSeconds(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
            }
        }
        return total;
    }

    private static double WaitedChildrenCpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Seconds the whole machine's CPUs were busy, in all, and stolen (/proc/stat "cpu" line). Steal is time a virtual
    /// CPU was ready to run but the hypervisor ran another guest: not work of any process here, so not in Busy.
    /// </summary>
    public static (double Busy, double Total, double Steal) MachineCpu()
    {
        var line = File.ReadLines("/proc/stat").First();
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var idle = values[3] + (values.Length > 4 ? values[4] : 0);
        var steal = values.Length > 7 ? values[7] : 0;
        var total = values.Take(8).Sum();
        return ((total - idle - steal) / TicksPerSecond, total / TicksPerSecond, steal / TicksPerSecond);
    }

    /// <summary>The share of CPU time stolen by the hypervisor since <paramref name="since"/> (a MachineCpu reading).</summary>
    public static double StealShare((double Busy, double Total, double Steal) since)
    {
        var now = MachineCpu();
        var total = now.Total - since.Total;
        return total > 0 ? (now.Steal - since.Steal) / total : 0;
    }

    public static double LoadAverage1() =>
        double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;

    /// <summary>Other processes of this project or of `dotnet test` (someone else measuring or testing on the machine).</summary>
    public static List<string> ForeignProjectProcesses()
    {
        var self = Environment.ProcessId;
        var found = new List<string>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText($"{dir}/cmdline").Replace('\0', ' ').Trim();
                if (cmdline.Contains("OrleansPlans", StringComparison.Ordinal) || cmdline.Contains("dotnet test", StringComparison.Ordinal))
                {
                    found.Add($"{pid} {(cmdline.Length > 120 ? cmdline[..120] + "…" : cmdline)}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
