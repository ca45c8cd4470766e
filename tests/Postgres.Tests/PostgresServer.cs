using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// A throwaway PostgreSQL cluster: initdb in a temp folder and pg_ctl on a free loopback port. PostgreSQL refuses to
/// run as root, so when the tests run as root the server runs as the unprivileged <c>postgres</c> user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private readonly bool _asPostgresUser;

    private PostgresServer(string bin, string dir, int port, bool asPostgresUser)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=50;Timeout=5;Command Timeout=30";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries();
        var dir = Path.Combine(Path.GetTempPath(), "orleans-plans-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var asPostgres = Environment.UserName == "root";
        if (asPostgres)
        {
            await RunAsync("chown", $"postgres: {dir}");
        }
        var server = new PostgresServer(bin, dir, FreePort(), asPostgres);
        await server.PgAsync("initdb", $"-D {dir}/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync");
        await server.StartServerAsync();
        return server;
    }

    /// <summary>Starts (or restarts) the server on the same port and data folder.</summary>
    public Task StartServerAsync() =>
        PgAsync("pg_ctl", $"-D {_dir}/data -l {_dir}/server.log -w -t 60 -o \"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c max_connections=300\" start");

    /// <summary>Stops the server immediately (as if it crashed); acknowledged commits survive.</summary>
    public Task StopServerAsync() => PgAsync("pg_ctl", $"-D {_dir}/data -w -m immediate stop");

    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>A new database with the project's schema applied by the migrate code.</summary>
    public async Task<string> CreateMigratedDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}";
        var connectionString = await CreateDatabaseAsync(name[..Math.Min(name.Length, 40)]);
        await new OrleansPlans.Silo.Hosting.DatabaseMigrator(connectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).MigrateAsync();
        return connectionString;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServerAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped by a test.
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task PgAsync(string tool, string arguments)
    {
        var exe = Path.Combine(_bin, tool);
        return _asPostgresUser ? RunAsync("runuser", $"-u postgres -- {exe} {arguments}") : RunAsync(exe, arguments);
    }

    private static async Task RunAsync(string file, string arguments)
    {
        var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited {process.ExitCode}: {await output}{await error}");
        }
    }

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run scripts/test.sh, which installs them");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One PostgreSQL server for the collection; each test class creates its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A new database with the project's schema applied by the migrate code.</summary>
    public Task<string> NewMigratedDatabaseAsync(string prefix) => Server.CreateMigratedDatabaseAsync(prefix);
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>
/// The multi-process tests (silo and gateway processes): one at a time, with a PostgreSQL server of their own, while
/// the in-process tests of <see cref="PostgresCollection"/> run beside them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProcessCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "processes";
}
