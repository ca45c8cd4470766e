using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansPlans.Silo.Hosting;
using OrleansPlans.Silo.Hosting.Membership;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// The membership sweep a silo runs before it joins (<see cref="DeadSiloSweep"/>): which rows it marks Dead, that it
/// writes them as a membership change (version bumped), and that a silo whose cluster was killed and which comes back
/// on a new address joins at once instead of waiting for the dead silos' rows.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DeadSiloSweepTests(PostgresFixture fixture) : IAsyncLifetime
{
    private const int Active = 3;
    private const int Dead = DeadSiloSweep.DeadStatus;
    private static readonly DateTime Now = new(2026, 12, 5, 8, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(10);
    private static readonly SiloEndpoint Own = new("10.0.0.9", 11111);

    private readonly string _clusterId = "sweep-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<IHost> _hosts = [];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await fixture.NewMigratedDatabaseAsync("sweep");

    public Task DisposeAsync() => ProductionSiloHost.StopAllAsync(_hosts);

    private static MembershipRow Row(string address, int port, int generation, int status = Active, double heartbeatSecondsAgo = 1) =>
        new(new SiloEndpoint(address, port), generation, status, Now.AddSeconds(-heartbeatSecondsAgo));

    private static IReadOnlyList<DeadSilo> Decide(IReadOnlyList<MembershipRow> rows, Func<SiloEndpoint, SiloReachability> reachability) =>
        DeadSiloSweep.DeadRows(rows, Own, reachability, Now, StaleAfter);

    [Fact]
    public void A_row_at_this_silos_own_address_and_port_is_an_earlier_run_of_it()
    {
        var dead = Decide([Row(Own.Address, Own.Port, 100)], _ => SiloReachability.Listening);
        Assert.Equal(100, Assert.Single(dead).Row.Generation);
        Assert.Contains("earlier run of this silo", dead[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_older_generation_at_an_address_and_port_another_row_holds_is_superseded()
    {
        var rows = new[] { Row("10.0.0.2", 11111, 100), Row("10.0.0.2", 11111, 120), Row("10.0.0.2", 11111, 110, heartbeatSecondsAgo: 60) };
        var dead = Decide(rows, _ => SiloReachability.Listening);
        Assert.Equal([100, 110], dead.Select(d => d.Row.Generation).Order());
        Assert.All(dead, d => Assert.Contains("superseded by generation 120", d.Reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(SiloReachability.Refused, 1, true)]
    [InlineData(SiloReachability.Unreachable, 11, true)]
    [InlineData(SiloReachability.Unreachable, 1, false)]
    [InlineData(SiloReachability.NoAnswer, 11, true)]
    [InlineData(SiloReachability.NoAnswer, 9, false)]
    [InlineData(SiloReachability.Listening, 1, false)]
    [InlineData(SiloReachability.Listening, 3600, false)]
    public void Another_silo_is_gone_when_nothing_listens_or_it_neither_answers_nor_beats(SiloReachability reachability, double heartbeatSecondsAgo, bool gone)
    {
        var row = Row("10.0.0.3", 11111, 100, heartbeatSecondsAgo: heartbeatSecondsAgo);
        var dead = Decide([row], endpoint => endpoint == row.Endpoint ? reachability : SiloReachability.Listening);
        Assert.Equal(gone, dead.Count == 1);
    }

    [Fact]
    public void Dead_rows_are_left_as_they_are()
    {
        var rows = new[] { Row(Own.Address, Own.Port, 90, Dead), Row("10.0.0.4", 11111, 80, Dead, heartbeatSecondsAgo: 3600) };
        Assert.Empty(Decide(rows, _ => SiloReachability.Refused));
    }

    [Fact]
    public async Task The_probe_tells_a_listening_port_from_one_nobody_listens_on()
    {
        using var listener = StartListener(out var listening);
        var closed = PostgresServer.FreePort();

        Assert.Equal(SiloReachability.Listening, await DeadSiloSweep.ProbeAsync(new SiloEndpoint("127.0.0.1", listening), CancellationToken.None));
        Assert.Equal(SiloReachability.Refused, await DeadSiloSweep.ProbeAsync(new SiloEndpoint("127.0.0.1", closed), CancellationToken.None));
    }

    [Fact]
    public async Task The_sweep_marks_gone_silos_dead_in_one_membership_change_and_leaves_a_listening_one()
    {
        using var listener = StartListener(out var listening);
        var closed = PostgresServer.FreePort();
        var own = new SiloEndpoint("127.0.0.1", PostgresServer.FreePort());
        var now = DateTime.UtcNow;
        await InsertVersionAsync(7);
        await InsertRowAsync("127.0.0.1", closed, 200, Active, now);                       // killed a moment ago: refused
        await InsertRowAsync("127.0.0.1", listening, 201, Active, now.AddMinutes(-10));    // answers: left to Orleans
        await InsertRowAsync(own.Address, own.Port, 202, Active, now);                     // this silo's earlier run
        await InsertRowAsync("127.0.0.1", closed, 150, Dead, now.AddHours(-1));            // already dead

        await using var database = NpgsqlDataSource.Create(_connectionString);
        var marked = await DeadSiloSweep.SweepAsync(database, _clusterId, own, StaleAfter, DeadSiloSweep.ProbeAsync, CancellationToken.None);

        Assert.Equal([200, 202], marked.Select(m => m.Row.Generation).Order());
        var rows = await ReadRowsAsync();
        Assert.Equal(Dead, rows[200]);
        Assert.Equal(Active, rows[201]);
        Assert.Equal(Dead, rows[202]);
        Assert.Equal(Dead, rows[150]);
        Assert.Equal(8, await ReadVersionAsync());

        // Nothing left to mark: no write, the version stays.
        Assert.Empty(await DeadSiloSweep.SweepAsync(database, _clusterId, own, StaleAfter, DeadSiloSweep.ProbeAsync, CancellationToken.None));
        Assert.Equal(8, await ReadVersionAsync());
    }

    [Fact]
    public async Task A_silent_silo_that_beat_a_moment_ago_is_marked_once_its_heartbeat_is_stale_and_one_that_answers_never()
    {
        // As a deleted pod's address behaves on Kubernetes: no refusal, no answer. Its last heartbeat was just now.
        var silent = new SiloEndpoint("10.255.0.1", 11111);
        var answering = new SiloEndpoint("10.255.0.2", 11111);
        var now = DateTime.UtcNow;
        await InsertVersionAsync(1);
        await InsertRowAsync(silent.Address, silent.Port, 400, Active, now);
        await InsertRowAsync(answering.Address, answering.Port, 401, Active, now.AddMinutes(-10));
        var staleAfter = TimeSpan.FromSeconds(2);
        var probes = 0;
        Task<SiloReachability> Probe(SiloEndpoint endpoint, CancellationToken _)
        {
            Interlocked.Increment(ref probes);
            return Task.FromResult(endpoint == silent ? SiloReachability.NoAnswer : SiloReachability.Listening);
        }

        await using var database = NpgsqlDataSource.Create(_connectionString);
        var marked = await DeadSiloSweep.SweepAsync(database, _clusterId, Own, staleAfter, Probe, CancellationToken.None);

        Assert.Equal(400, Assert.Single(marked).Row.Generation);
        Assert.Contains("no heartbeat", marked[0].Reason, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - now >= staleAfter, "the sweep marked the row before its heartbeat was stale");
        Assert.Equal(4, probes); // both endpoints, twice: once at once, once when the silent one's heartbeat was stale
        var rows = await ReadRowsAsync();
        Assert.Equal(Dead, rows[400]);
        Assert.Equal(Active, rows[401]);
    }

    [Fact]
    public async Task A_silo_whose_cluster_was_killed_joins_on_a_new_address_without_waiting_for_the_dead_rows()
    {
        // A cluster of two silos killed a moment ago: both rows Active with fresh heartbeats, nothing listening.
        var now = DateTime.UtcNow;
        await InsertVersionAsync(3);
        await InsertRowAsync("127.0.0.1", PostgresServer.FreePort(), 300, Active, now);
        await InsertRowAsync("127.0.0.1", PostgresServer.FreePort(), 301, Active, now);

        var clock = Stopwatch.StartNew();
        var siloPort = await StartSiloAsync();
        var rows = await WaitForRowsAsync(r => r.TryGetValue(0, out var status) && status == Active, siloPort, TimeSpan.FromSeconds(20));

        // Orleans alone waits for the dead rows until its probes declare them dead (29–35 s with this project's
        // heartbeat settings, 104 s with Orleans' defaults; docs/benchmarks.md, session 19).
        Assert.True(rows.TryGetValue(0, out var own) && own == Active, $"the new silo is not Active after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(Dead, rows[300]);
        Assert.Equal(Dead, rows[301]);
    }

    /// <summary>A TCP listener on a free loopback port: a silo port that answers.</summary>
    private static TcpListener StartListener(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    private async Task<int> StartSiloAsync()
    {
        var (host, siloPort) = ProductionSiloHost.Build(_connectionString, _clusterId);
        _hosts.Add(host);
        // Not awaited to the end: a silo that cannot join stays in StartAsync; the rows say whether it joined.
        _ = host.StartAsync();
        await Task.Yield();
        return siloPort;
    }

    /// <summary>Status by generation; the silo at <paramref name="newSiloPort"/> (generation unknown) under key 0.</summary>
    private async Task<Dictionary<int, int>> WaitForRowsAsync(Func<Dictionary<int, int>, bool> done, int newSiloPort, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var rows = await ReadRowsAsync(newSiloPort);
            if (done(rows) || clock.Elapsed > timeout)
            {
                return rows;
            }
            await Task.Delay(250);
        }
    }

    private async Task<Dictionary<int, int>> ReadRowsAsync(int? newSiloPort = null)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT generation, port, status FROM OrleansMembershipTable WHERE deploymentid = @c", connection);
        command.Parameters.AddWithValue("c", _clusterId);
        var rows = new Dictionary<int, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetInt32(1) == newSiloPort ? 0 : reader.GetInt32(0)] = reader.GetInt32(2);
        }
        return rows;
    }

    private async Task<int> ReadVersionAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM OrleansMembershipVersionTable WHERE deploymentid = @c", connection);
        command.Parameters.AddWithValue("c", _clusterId);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private async Task InsertVersionAsync(int version)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("INSERT INTO OrleansMembershipVersionTable (DeploymentId, Version) VALUES (@c, @v)", connection);
        command.Parameters.AddWithValue("c", _clusterId);
        command.Parameters.AddWithValue("v", version);
        await command.ExecuteNonQueryAsync();
    }

    private async Task InsertRowAsync(string address, int port, int generation, int status, DateTime heartbeat)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO OrleansMembershipTable (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
            VALUES (@c, @a, @p, @g, @n, 'test-host', @s, @p2, @t, @t)
            """, connection);
        command.Parameters.AddWithValue("c", _clusterId);
        command.Parameters.AddWithValue("a", address);
        command.Parameters.AddWithValue("p", port);
        command.Parameters.AddWithValue("g", generation);
        command.Parameters.AddWithValue("n", "silo-" + generation.ToString(CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("s", status);
        command.Parameters.AddWithValue("p2", PostgresServer.FreePort());
        command.Parameters.AddWithValue("t", heartbeat);
        await command.ExecuteNonQueryAsync();
    }
}
