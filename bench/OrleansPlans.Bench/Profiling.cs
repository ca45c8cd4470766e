using System.Globalization;
using Npgsql;

namespace OrleansPlans.Bench;

public sealed record StatementStat(string Query, long Calls, double TotalMs, double MeanMs, long Rows);

public sealed record PgActivity(
    long Commits, long Rollbacks, long WalRecords, long WalBytes, long WalFullPageImages, long WalSyncs, double WalSyncMs,
    IReadOnlyList<StatementStat> TopStatements, IReadOnlyDictionary<string, long> TableSizes);

public sealed record ProcessCpu(string Name, double CpuSeconds, double CoresUsed);

/// <summary>
/// What PostgreSQL did during a phase: commits, WAL and the statements that took the time (pg_stat_statements,
/// preloaded in the throwaway cluster).
/// </summary>
public sealed class PgProfiler(string connectionString)
{
    private (long Commits, long Rollbacks, long WalRecords, long WalBytes, long Fpi, long Syncs, double SyncMs) _start;

    public async Task StartAsync()
    {
        await using var connection = await OpenAsync();
        await Execute(connection, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await Execute(connection, "SELECT pg_stat_statements_reset()");
        _start = await CountersAsync(connection);
    }

    public async Task<PgActivity> StopAsync()
    {
        await using var connection = await OpenAsync();
        var end = await CountersAsync(connection);
        var top = new List<StatementStat>();
        await using (var command = new NpgsqlCommand("""
            SELECT regexp_replace(query, '\s+', ' ', 'g'), calls, total_exec_time, mean_exec_time, rows
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT 12
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var query = reader.GetString(0);
                top.Add(new StatementStat(query.Length > 160 ? query[..160] + "…" : query, reader.GetInt64(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetInt64(4)));
            }
        }
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("""
            SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 8
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                sizes[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        return new PgActivity(end.Commits - _start.Commits, end.Rollbacks - _start.Rollbacks, end.WalRecords - _start.WalRecords, end.WalBytes - _start.WalBytes,
            end.Fpi - _start.Fpi, end.Syncs - _start.Syncs, end.SyncMs - _start.SyncMs, top, sizes);
    }

    private static async Task<(long Commits, long Rollbacks, long WalRecords, long WalBytes, long Fpi, long Syncs, double SyncMs)> CountersAsync(NpgsqlConnection connection)
    {
        await Execute(connection, "SELECT pg_stat_clear_snapshot()");
        await using var command = new NpgsqlCommand("""
            SELECT d.xact_commit, d.xact_rollback, w.wal_records, w.wal_bytes::bigint, w.wal_fpi, w.wal_sync, w.wal_sync_time
            FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetDouble(6));
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>CPU seconds per process between two points (silos, gateway, PostgreSQL, this tool, the whole machine).</summary>
public sealed class CpuMeter(IReadOnlyList<(string Name, Func<double> Read)> processes)
{
    public const string StolenName = "stolen by the hypervisor";

    private double[] _start = [];
    private (double Busy, double Total, double Steal) _machine;
    private long _clock;

    public void Start()
    {
        _start = [.. processes.Select(p => p.Read())];
        _machine = ProcStats.MachineCpu();
        _clock = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public List<ProcessCpu> Stop()
    {
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_clock).TotalSeconds;
        var result = processes.Select((p, i) => new ProcessCpu(p.Name, p.Read() - _start[i], (p.Read() - _start[i]) / seconds)).ToList();
        var machine = ProcStats.MachineCpu();
        var busy = machine.Busy - _machine.Busy;
        var ours = result.Sum(r => r.CpuSeconds);
        result.Add(new ProcessCpu("other processes (machine − above)", Math.Max(0, busy - ours), Math.Max(0, busy - ours) / seconds));
        result.Add(new ProcessCpu("machine (all processes)", busy, busy / seconds));
        // On a shared virtual machine the hypervisor may hand the cores to other guests: wall-clock rates then fall
        // although no process here used more CPU. Reported so such runs can be told apart (cores = stolen per second).
        var steal = machine.Steal - _machine.Steal;
        result.Add(new ProcessCpu(StolenName, steal, steal / seconds));
        return result;
    }
}

/// <summary>The project's own Prometheus series (orleansplans_*) and a few Orleans ones, scraped from /metrics.</summary>
public static class MetricsScraper
{
    private static readonly string[] PlanGrainTypes = ["county", "indicator", "department", "city", "province"];

    public static async Task<List<string>> ScrapeAsync(Uri baseAddress)
    {
        using var http = Http.Client(baseAddress, TimeSpan.FromSeconds(10), 2);
        try
        {
            var text = await http.GetStringAsync("metrics");
            return [.. text.Split('\n').Where(l => !l.StartsWith('#') && (l.StartsWith("orleansplans_", StringComparison.Ordinal)
                || (l.StartsWith("orleans_catalog_activations{", StringComparison.Ordinal) && PlanGrainTypes.Any(t => l.Contains($"grain_type=\"{t}\"", StringComparison.Ordinal)))
                || l.StartsWith("process_runtime_dotnet_gc_heap_size", StringComparison.Ordinal) || l.StartsWith("dotnet_gc_heap_total_allocated", StringComparison.Ordinal)
                || l.StartsWith("dotnet_gc_last_collection_heap_size_bytes", StringComparison.Ordinal)
                || l.StartsWith("dotnet_gc_last_collection_memory_committed_size_bytes", StringComparison.Ordinal)
                || l.StartsWith("dotnet_gc_collections_total", StringComparison.Ordinal)
                || l.StartsWith("dotnet_gc_pause_time_seconds_total", StringComparison.Ordinal))
                && !l.Contains("_bucket{", StringComparison.Ordinal))];
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return [$"(metrics unavailable: {e.Message})"];
        }
    }

    /// <summary>Sum of every series of a metric (all label sets), e.g. the managed heap over all generations.</summary>
    public static double? Sum(IEnumerable<string> lines, string name)
    {
        double? total = null;
        foreach (var line in lines.Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal)))
        {
            var space = line.LastIndexOf(' ');
            if (double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                total = (total ?? 0) + v;
            }
        }
        return total;
    }

    /// <summary>
    /// The gateway's roll-up version checks so far: how many waited for a version call, how many there were, and the
    /// calls made (docs/architecture.md, "Roll-up reads"); null when its /metrics has no such series.
    /// </summary>
    public static (double Waited, double All, double Calls)? VersionChecks(IReadOnlyCollection<string> lines) =>
        Sum(lines, "orleansplans_rollup_version_checks_total") is { } all
            ? (Sum(lines.Where(l => l.Contains("answer=\"waited\"", StringComparison.Ordinal)), "orleansplans_rollup_version_checks_total") ?? 0,
                all, Sum(lines, "orleansplans_rollup_version_calls_total") ?? 0)
            : null;

    /// <summary>Mean of a histogram from its _sum and _count series (across all label sets).</summary>
    public static double? HistogramMean(IEnumerable<string> lines, string name)
    {
        double sum = 0, count = 0;
        foreach (var line in lines)
        {
            var space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                continue;
            }
            if (line.StartsWith(name + "_sum", StringComparison.Ordinal))
            {
                sum += v;
            }
            else if (line.StartsWith(name + "_count", StringComparison.Ordinal))
            {
                count += v;
            }
        }
        return count > 0 ? sum / count : null;
    }
}
