using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace OrleansPlans.Silo.Hosting.Membership;

/// <summary>
/// Before the silo joins: marks Dead the membership rows of silos that are certainly gone, so that the join does not
/// wait for them. Orleans lets a silo become Active only once it has reached every silo the table lists as Active
/// (or they were declared dead by missed probes); after every silo of a cluster is killed, their rows stay Active.
/// Measured (docs/benchmarks.md, session 19): a silo that came back on a new address — as a Kubernetes Deployment's
/// pods do — served the province again 140.6 s after the kill; two silos that came back on their own ports took
/// 8.9–33.9 s, because each marks only its own older row dead, and that write is lost when the two silos race.
/// </summary>
/// <remarks>
/// Only rows that cannot belong to a running silo are marked (<see cref="DeadRows"/>). The write bumps the table's
/// version like every membership write, so silos that read the table before see a conflict and read it again; a silo
/// that finds its own row Dead stops itself, as after any eviction. Any failure here is logged and the silo starts
/// as it would without the sweep: Orleans' own probes still decide.
/// </remarks>
public sealed class DeadSiloSweep(NpgsqlDataSource database, IOptions<OrleansPlansHostOptions> options, ILogger<DeadSiloSweep> logger) : IHostedService
{
    /// <summary>Orleans' SiloStatus.Dead in the membership table.</summary>
    public const int DeadStatus = 6;

    /// <summary>How long a connection attempt to a listed silo may take before it counts as unanswered.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.ClearDeadSilosOnStart)
        {
            return;
        }
        try
        {
            var own = new SiloEndpoint(settings.AdvertisedIP is { Length: > 0 } ip ? ip : IPAddress.Loopback.ToString(), settings.SiloPort);
            var swept = await SweepAsync(database, settings.ClusterId, own, settings.IAmAlivePeriod * settings.MissedIAmAliveLimit, ProbeAsync, cancellationToken);
            foreach (var dead in swept)
            {
                logger.LogWarning("Marked silo {Address}:{Port}@{Generation} Dead in the membership table before joining: {Reason}",
                    dead.Row.Endpoint.Address, dead.Row.Endpoint.Port, dead.Row.Generation, dead.Reason);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not clear dead silos from the membership table; joining without it");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Reads the cluster's rows that are not Dead, decides which are gone (<see cref="DeadRows"/>, probing the others'
    /// silo ports at once), and marks those Dead in one transaction with a version bump. A silo that does not answer
    /// but wrote a heartbeat less than <paramref name="staleAfter"/> ago (its host vanished a moment ago, as a deleted
    /// pod's address does) is looked at once more when that heartbeat is old enough, so the sweep takes at most about
    /// <paramref name="staleAfter"/>. Returns what it marked.
    /// </summary>
    public static async Task<IReadOnlyList<DeadSilo>> SweepAsync(
        NpgsqlDataSource database, string clusterId, SiloEndpoint own, TimeSpan staleAfter,
        Func<SiloEndpoint, CancellationToken, Task<SiloReachability>> probe, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var marked = new List<DeadSilo>();
        for (var pass = 1; pass <= 2; pass++)
        {
            var rows = await ReadLiveRowsAsync(database, clusterId, cancellationToken);
            var endpoints = rows.Select(r => r.Endpoint).Where(e => e != own).Distinct().ToArray();
            var answers = await Task.WhenAll(endpoints.Select(e => probe(e, cancellationToken)));
            var probed = endpoints.Zip(answers).ToDictionary(p => p.First, p => p.Second);
            SiloReachability Reachability(SiloEndpoint e) => probed.GetValueOrDefault(e, SiloReachability.Listening);
            var now = time.GetUtcNow().UtcDateTime;
            var dead = DeadRows(rows, own, Reachability, now, staleAfter);
            if (dead.Count > 0)
            {
                marked.AddRange(await MarkDeadAsync(database, clusterId, dead, cancellationToken));
            }
            // Silent silos whose heartbeat is still recent: wait until it is stale, then look again (once).
            var waitFor = rows
                .Where(r => r.Status != DeadStatus && Reachability(r.Endpoint) is SiloReachability.NoAnswer or SiloReachability.Unreachable && !dead.Any(d => d.Row == r))
                .Select(r => r.IAmAliveTime + staleAfter - now)
                .Where(w => w > TimeSpan.Zero)
                .DefaultIfEmpty(TimeSpan.Zero)
                .Max();
            if (pass == 2 || waitFor == TimeSpan.Zero)
            {
                break;
            }
            await Task.Delay(waitFor + TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }
        return marked;
    }

    /// <summary>
    /// The rows (none of them Dead) that cannot belong to a running silo, each with the reason:
    /// <list type="bullet">
    /// <item>a row at this silo's own address and port: an earlier run of this silo, which held the port this silo is about to take;</item>
    /// <item>a row with an older generation than another row at the same address and port: the newer silo took the port;</item>
    /// <item>a row whose silo port refuses connections: its host is up and no process listens there;</item>
    /// <item>a row whose host is unreachable or whose silo port does not answer within <see cref="ConnectTimeout"/>, and
    /// whose heartbeat is older than <paramref name="staleAfter"/>: neither reachable nor writing to the table.</item>
    /// </list>
    /// A silo that answers on its port is left to Orleans, whatever its heartbeat says; so is one that cannot be reached
    /// from here but still writes heartbeats (a network partition: Orleans' probes decide).
    /// A silo starting at the same time is safe too: Orleans binds its silo port at the first lifecycle stage
    /// (RuntimeInitialize − 1), before its membership row is written, so a listed silo that is alive refuses nothing.
    /// </summary>
    public static IReadOnlyList<DeadSilo> DeadRows(
        IReadOnlyList<MembershipRow> rows, SiloEndpoint own, Func<SiloEndpoint, SiloReachability> reachability, DateTime now, TimeSpan staleAfter)
    {
        var dead = new List<DeadSilo>();
        foreach (var row in rows)
        {
            if (row.Status == DeadStatus)
            {
                continue;
            }
            if (row.Endpoint == own)
            {
                dead.Add(new DeadSilo(row, "an earlier run of this silo (same address and port)"));
                continue;
            }
            var newer = rows.Where(r => r.Endpoint == row.Endpoint && r.Generation > row.Generation).Select(r => r.Generation).DefaultIfEmpty().Max();
            if (newer != 0)
            {
                dead.Add(new DeadSilo(row, $"superseded by generation {newer} at the same address and port"));
                continue;
            }
            var silence = now - row.IAmAliveTime;
            switch (reachability(row.Endpoint))
            {
                case SiloReachability.Refused:
                    dead.Add(new DeadSilo(row, "its silo port refuses connections"));
                    break;
                case SiloReachability.Unreachable when silence > staleAfter:
                    dead.Add(new DeadSilo(row, $"its host is unreachable and it has written no heartbeat for {silence.TotalSeconds:F0} s"));
                    break;
                case SiloReachability.NoAnswer when silence > staleAfter:
                    dead.Add(new DeadSilo(row, $"no answer on its silo port within {ConnectTimeout.TotalSeconds:F0} s and no heartbeat for {silence.TotalSeconds:F0} s"));
                    break;
            }
        }
        return dead;
    }

    /// <summary>Whether a process accepts TCP connections at the endpoint (the silo-to-silo port).</summary>
    public static async Task<SiloReachability> ProbeAsync(SiloEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(endpoint.Address, out var address))
        {
            return SiloReachability.NoAnswer;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), timeout.Token);
            return SiloReachability.Listening;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return SiloReachability.Refused;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown)
        {
            return SiloReachability.Unreachable;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return SiloReachability.NoAnswer;
        }
    }

    private static async Task<List<MembershipRow>> ReadLiveRowsAsync(NpgsqlDataSource database, string clusterId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT Address, Port, Generation, Status, IAmAliveTime FROM OrleansMembershipTable WHERE DeploymentId = $1 AND Status <> $2");
        command.Parameters.Add(new NpgsqlParameter { Value = clusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = DeadStatus });
        var rows = new List<MembershipRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new MembershipRow(new SiloEndpoint(reader.GetString(0), reader.GetInt32(1)), reader.GetInt32(2), reader.GetInt32(3), reader.GetDateTime(4)));
        }
        return rows;
    }

    /// <summary>
    /// Marks the rows Dead and bumps the table version in one transaction, the version row first (as Orleans' own
    /// membership writes lock it), so a silo holding an older version gets a conflict and re-reads the table. A row
    /// that changed meanwhile (no longer at its status) is left alone; nothing is written if none is left.
    /// </summary>
    private static async Task<IReadOnlyList<DeadSilo>> MarkDeadAsync(NpgsqlDataSource database, string clusterId, IReadOnlyList<DeadSilo> dead, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var bump = new NpgsqlCommand(
            "UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now() WHERE DeploymentId = $1", connection, transaction))
        {
            bump.Parameters.Add(new NpgsqlParameter { Value = clusterId });
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }
        var marked = new List<DeadSilo>();
        foreach (var silo in dead)
        {
            await using var mark = new NpgsqlCommand(
                "UPDATE OrleansMembershipTable SET Status = $6 WHERE DeploymentId = $1 AND Address = $2 AND Port = $3 AND Generation = $4 AND Status = $5",
                connection, transaction);
            mark.Parameters.Add(new NpgsqlParameter { Value = clusterId });
            mark.Parameters.Add(new NpgsqlParameter { Value = silo.Row.Endpoint.Address });
            mark.Parameters.Add(new NpgsqlParameter { Value = silo.Row.Endpoint.Port });
            mark.Parameters.Add(new NpgsqlParameter { Value = silo.Row.Generation });
            mark.Parameters.Add(new NpgsqlParameter { Value = silo.Row.Status });
            mark.Parameters.Add(new NpgsqlParameter { Value = DeadStatus });
            if (await mark.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                marked.Add(silo);
            }
        }
        if (marked.Count == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return [];
        }
        await transaction.CommitAsync(cancellationToken);
        return marked;
    }
}

/// <summary>A silo's address and silo-to-silo port as the membership table lists them.</summary>
public readonly record struct SiloEndpoint(string Address, int Port);

/// <summary>A membership row that is not Dead: where, which run (generation), its status and last heartbeat (UTC).</summary>
public sealed record MembershipRow(SiloEndpoint Endpoint, int Generation, int Status, DateTime IAmAliveTime);

/// <summary>A row the sweep marks Dead, and why.</summary>
public sealed record DeadSilo(MembershipRow Row, string Reason);

/// <summary>What a connection attempt to a listed silo's port found.</summary>
public enum SiloReachability
{
    /// <summary>A process accepted the connection.</summary>
    Listening,

    /// <summary>The host answered that nothing listens on the port.</summary>
    Refused,

    /// <summary>The host or its network is unreachable.</summary>
    Unreachable,

    /// <summary>No answer within <see cref="DeadSiloSweep.ConnectTimeout"/>, or another error.</summary>
    NoAnswer,
}
