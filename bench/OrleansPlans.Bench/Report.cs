using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansPlans.Bench;

public sealed record MachineInfo(int Cores, long MemoryBytes, string Cpu, string Os, string Kernel, string Dotnet, string? Postgres)
{
    public static MachineInfo Read(string? postgres)
    {
        string First(string file, string prefix, Func<string, string> map)
        {
            try
            {
                return File.ReadLines(file).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(map).FirstOrDefault() ?? "?";
            }
            catch (IOException)
            {
                return "?";
            }
        }
        var memKb = First("/proc/meminfo", "MemTotal:", l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return new MachineInfo(
            Environment.ProcessorCount,
            long.TryParse(memKb, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : 0,
            First("/proc/cpuinfo", "model name", l => l[(l.IndexOf(':') + 1)..].Trim()),
            First("/etc/os-release", "PRETTY_NAME=", l => l["PRETTY_NAME=".Length..].Trim('"')),
            File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?",
            RuntimeInformation.FrameworkDescription,
            postgres);
    }
}

public sealed record ScenarioInfo(
    string Mode, int Silos, string Province, bool National, int Cities, int Counties, int FirstYear, int LastYear, int Clients, long Batches, long Values,
    long BodyBytes, string ProbeIndicator, string ProbeCounty, string PageIndicator, int Readers, double ReadSeconds, double ReadWarmupSeconds, int Seed);

public sealed record ColdStartResult(double ProcessesReadySeconds, double FirstRollupSeconds, double FullRollupSeconds, bool Full, IReadOnlyDictionary<string, long?> PeakRssAfterBytes,
    IReadOnlyList<ProcessCpu> Cpu, PgActivity? Postgres, IReadOnlyDictionary<string, int> FailedPolls, IReadOnlyList<string> SiloMetrics);

/// <summary>CPU seconds per 1,000 values: silos, gateway and PostgreSQL, and their sum.</summary>
public sealed record CpuPerThousand(double Silos, double Gateway, double Postgres, double Total);

public sealed record TargetResult(string Target, string Measured, string Verdict);

public sealed class Results
{
    public string StartedAt { get; set; } = "";
    public string LoadAverageBefore { get; set; } = "";
    public string LoadAverageAfter { get; set; } = "";
    public MachineInfo Machine { get; set; } = null!;
    public ScenarioInfo Scenario { get; set; } = null!;
    public double StartupSeconds { get; set; }

    /// <summary>With several silos: how the counties were spread when the measurement began.</summary>
    public string? Partitions { get; set; }

    /// <summary>With --add-silo-at: when the added silo was up and held its share.</summary>
    public string? ScaleOut { get; set; }
    public IngestResult? Ingest { get; set; }
    public FreshnessResult? Freshness { get; set; }

    /// <summary>With --viewers: the open province pages during the ingest.</summary>
    public ViewerResult? Viewers { get; set; }

    /// <summary>The probe made before the ingest (outside every measurement), reported for completeness.</summary>
    public ProbeOutcome? ProbeWarmUp { get; set; }
    public List<ProcessCpu>? IngestCpu { get; set; }

    /// <summary>CPU seconds the system under test spent per 1,000 acknowledged values during the ingest (spawn mode).</summary>
    public CpuPerThousand? IngestCpuPerThousandValues => CpuPerThousandValues();
    public PgActivity? IngestPostgres { get; set; }
    public List<string>? SiloMetrics { get; set; }
    public double? RollupLagMeanMs { get; set; }
    public long? SiloManagedHeapBytes { get; set; }
    /// <summary>How the readers asked and received: gzip received as sent (the default), gzip inflated by the client, or identity.</summary>
    public string ReadEncoding { get; set; } = "identity";

    /// <summary>The province roll-up read with every body inflated by the readers (sessions 3–6's measurement); reported, not judged.</summary>
    public ReadResult? InflatedRollupRead { get; set; }
    public List<ProcessCpu>? InflatedReadCpu { get; set; }

    public ReadResult? RollupRead { get; set; }

    /// <summary>During the roll-up read phase: the gateway's version checks that waited for a call, and its calls.</summary>
    public string? RollupVersionChecks { get; set; }
    public ReadResult? PageRead { get; set; }

    /// <summary>The province roll-up read with If-None-Match (a polling dashboard); reported, not judged.</summary>
    public ReadResult? ConditionalRollupRead { get; set; }
    public List<ProcessCpu>? ReadCpu { get; set; }
    public Dictionary<string, long?> PeakRssBytes { get; set; } = [];
    public NaiveWriteResult? BaselineNaive { get; set; }
    public SqlRollupResult? BaselineSql { get; set; }
    public double? IngestVsNaive { get; set; }
    public double? SqlP99VsRollupP99 { get; set; }
    public double? SqlP50VsRollupP50 { get; set; }
    public List<ColdStartResult> ColdStarts { get; set; } = [];

    private CpuPerThousand? CpuPerThousandValues()
    {
        if (IngestCpu is not { Count: > 0 } cpu || Ingest is not { Values: > 0 } ingest)
        {
            return null;
        }
        double Sum(Func<string, bool> which) => cpu.Where(c => which(c.Name)).Sum(c => c.CpuSeconds) * 1000 / ingest.Values;
        var silos = Sum(n => n.StartsWith("silo", StringComparison.Ordinal));
        var gateway = Sum(n => n.StartsWith("gateway", StringComparison.Ordinal));
        var postgres = Sum(n => n.StartsWith("postgresql", StringComparison.Ordinal));
        return silos + gateway == 0 ? null : new CpuPerThousand(silos, gateway, postgres, silos + gateway + postgres);
    }
    public List<CheckResult> Checks { get; set; } = [];
    public List<TargetResult> Targets { get; set; } = [];
    public List<string> Notes { get; set; } = [];

    public bool ChecksPassed => Checks.All(c => c.Ok);

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>The targets of issue 8, judged on what was measured (never on anything else).</summary>
    public void EvaluateTargets(BenchOptions options)
    {
        Targets.Clear();
        var durable = options.Mode == BenchMode.Spawn;
        if (Ingest is { } ingest)
        {
            var measured = $"{ingest.ValuesPerSecond:N0} values/s{(durable ? " (durable: PostgreSQL, fsync on)" : options.Mode == BenchMode.Embedded ? " (embedded, in memory)" : " (external gateway)")}"
                + (ingest.AfterWarmUp is { } steady ? $"; after the first 5 s {steady.ValuesPerSecond:N0} values/s (not judged)" : "");
            Targets.Add(new("ingest ≥ 25,000 values/s durable", measured,
                !durable ? "N/A (not a durable run)" : ingest.Unacknowledged > 0 ? "MISS (values unacknowledged)" : Verdict(ingest.ValuesPerSecond >= 25_000)));
        }
        if (Freshness is { } fresh)
        {
            Targets.Add(new("freshness p99 ≤ 1 s during ingest", $"p99 {LatencySummary.Ms(fresh.Freshness.P99)} (p50 {LatencySummary.Ms(fresh.Freshness.P50)}, {fresh.Probes} probes)",
                fresh.Probes == 0 ? "MISS (no probe acknowledged)" : Verdict(fresh.Freshness.P99 <= 1000 && fresh.Timeouts == 0)));
        }
        if (RollupRead is { } read)
        {
            Targets.Add(new($"province roll-up read p99 ≤ 10 ms with 64 readers", $"p99 {LatencySummary.Ms(read.Latency.P99)} with {read.Readers} readers",
                read.Readers != 64 ? "N/A (not 64 readers)" : Verdict(read.Latency.P99 <= 10 && read.Errors == 0)));
            if (BaselineSql is { } sql)
            {
                Targets.Add(new("province roll-up read ≥ 50× faster than the SQL baseline (p99)",
                    $"{SqlP99VsRollupP99:F2}× (SQL p99 {LatencySummary.Ms(sql.Latency.P99)} vs {LatencySummary.Ms(read.Latency.P99)})", Verdict(SqlP99VsRollupP99 >= 50)));
            }
            else
            {
                Targets.Add(new("province roll-up read ≥ 50× faster than the SQL baseline (p99)", "baseline not run", "N/A"));
            }
        }
        var siloPeak = PeakRssBytes.Where(kv => kv.Key.StartsWith("silo", StringComparison.Ordinal)).Select(kv => kv.Value ?? 0).DefaultIfEmpty(0).Max();
        if (options.National && options.Silos == 1 && options.Mode == BenchMode.Spawn && Ingest is not null)
        {
            var complete = Ingest.StoppedBecause is null && Ingest.Unacknowledged == 0;
            Targets.Add(new("national scale held by one silo ≤ 6 GB",
                complete ? $"silo VmHWM {Gb(siloPeak)}" : $"silo VmHWM {Gb(siloPeak)} with only {Ingest.Values:N0} of {Scenario.Values:N0} values ({Ingest.StoppedBecause ?? "unacknowledged values"})",
                complete ? Verdict(siloPeak <= 6L * 1024 * 1024 * 1024) : siloPeak > 6L * 1024 * 1024 * 1024 ? "MISS" : "N/A (incomplete)"));
        }
        else
        {
            Targets.Add(new("national scale held by one silo ≤ 6 GB", siloPeak > 0 ? $"not this run (province scale: silo VmHWM {Gb(siloPeak)})" : "not this run",
                "N/A (run --spawn --national --silos 1)"));
        }
    }

    private static string Verdict(bool pass) => pass ? "PASS" : "MISS";

    private static void ReadCpuTable(StringBuilder s, string title, List<ProcessCpu>? cpu, ReadResult? read)
    {
        if (cpu is not { Count: > 0 })
        {
            return;
        }
        s.AppendLine(title);
        foreach (var process in cpu)
        {
            s.AppendLine($"  {process.Name,-28} {process.CpuSeconds,8:F1} s  {process.CoresUsed,5:F2} cores");
        }
        if (read is { Requests: > 0 })
        {
            s.AppendLine($"  per 1,000 reads: {CpuPerThousandReads(cpu, read)}");
        }
    }

    /// <summary>CPU seconds per 1,000 reads of a phase: the system under test (silos, gateway, PostgreSQL) and the readers.</summary>
    private static string CpuPerThousandReads(List<ProcessCpu> cpu, ReadResult read)
    {
        double Sum(Func<string, bool> which) => cpu.Where(c => which(c.Name)).Sum(c => c.CpuSeconds) * 1000 / read.Requests;
        var silos = Sum(n => n.StartsWith("silo", StringComparison.Ordinal));
        var gateway = Sum(n => n == "gateway");
        var postgres = Sum(n => n.StartsWith("postgresql", StringComparison.Ordinal));
        var readers = Sum(n => n.StartsWith("bench tool", StringComparison.Ordinal));
        return $"system under test {silos + gateway + postgres:F3} s (silo {silos:F3}, gateway {gateway:F3}, PostgreSQL {postgres:F3}); readers (this tool) {readers:F3} s";
    }

    /// <summary>A read phase's document size and, when bodies were received as sent, the bytes on the wire.</summary>
    private string Body(ReadResult read) => read.WireBytes is { } wire
        ? $"{read.ResponseBytes / 1024.0:F1} KB JSON, {wire / 1024.0:F1} KB received ({ReadEncoding})"
        : $"{read.ResponseBytes / 1024.0:F1} KB JSON ({ReadEncoding})";

    public static string Gb(long bytes) => bytes >= 1024L * 1024 * 1024 ? $"{bytes / (1024.0 * 1024 * 1024):F2} GB" : $"{bytes / (1024.0 * 1024):F0} MB";

    public string ToText()
    {
        var s = new StringBuilder();
        var m = Machine;
        s.AppendLine("== OrleansPlans benchmark ==");
        s.AppendLine($"started {StartedAt}; load average before {LoadAverageBefore}, after {LoadAverageAfter}");
        s.AppendLine($"machine: {m.Cores} cores, {Gb(m.MemoryBytes)}, {m.Cpu}; {m.Os}, kernel {m.Kernel}; {m.Dotnet}{(m.Postgres is null ? "" : "; " + m.Postgres)}");
        var sc = Scenario;
        s.AppendLine($"scenario: {sc.Mode}, {sc.Silos} silo(s); {(sc.National ? $"national: {sc.Counties} counties (read: {sc.Province}, {sc.Cities} cities; checked: every province)" : $"{sc.Province}: {sc.Cities} cities, {sc.Counties} counties")} × {sc.FirstYear}–{sc.LastYear}; " +
            $"{sc.Batches:N0} batches, {sc.Values:N0} values ({sc.BodyBytes / 1024.0 / 1024.0:F1} MB JSON); {sc.Clients} clients; probe {sc.ProbeIndicator} @ {sc.ProbeCounty}; " +
            $"reads: {sc.Readers} readers × {sc.ReadSeconds} s per phase, each after {sc.ReadWarmupSeconds} s of unmeasured reading");
        s.AppendLine($"startup: {StartupSeconds:F1} s");
        if (Partitions is not null)
        {
            s.AppendLine($"partitions: {Partitions}");
        }
        s.AppendLine();
        s.AppendLine($"{"measure",-44} {"result",-70}");
        s.AppendLine(new string('-', 116));
        void Row(string name, string value) => s.AppendLine($"{name,-44} {value}");
        if (Ingest is { } i)
        {
            Row("ingest throughput", $"{i.ValuesPerSecond:N0} values/s ({i.Values:N0} values, {i.Batches:N0} batches in {i.Seconds:F1} s)");
            if (ScaleOut is not null)
            {
                Row("scale-out during the ingest", ScaleOut);
            }
            if (i.AfterWarmUp is { } steady)
            {
                Row("ingest after the first 5 s", $"{steady.ValuesPerSecond:N0} values/s ({steady.Values:N0} values in the {steady.Seconds:F1} s from {steady.FromSeconds:F1} s on; JIT warm-up excluded; not judged)");
            }
            Row("push latency (county-year batch)", i.PushLatency.ToString());
            if (i.StoppedBecause is { } why)
            {
                Row("ingest STOPPED early", why);
            }
            Row("push retries / errors", $"{i.Retries} retries; {(i.Errors.Count == 0 ? "no errors" : string.Join(", ", i.Errors.Select(e => $"{e.Key}×{e.Value}")))}; {i.Unacknowledged} values unacknowledged");
        }
        if (Freshness is { } f)
        {
            Row("freshness (2xx → province shows it)", $"p50 {LatencySummary.Ms(f.Freshness.P50)}  p99 {LatencySummary.Ms(f.Freshness.P99)}  max {LatencySummary.Ms(f.Freshness.Max)}  ({f.Probes} probes, ≤ {f.MaxReadsToSee} reads to see, {f.Timeouts} timeouts, {f.Failures} failed)");
            if (f.Slowest.Count > 0)
            {
                // Where in the ingest the tail lies (the first seconds activate every grain and run unoptimised code).
                Row("freshness: slowest probes", string.Join("; ", f.Slowest.Select(p => $"{LatencySummary.Ms(p.FreshnessMs)} at +{p.AtSeconds:F1} s")));
            }
            if (ProbeWarmUp is { } w)
            {
                Row("probe warm-up before ingest (not measured)", $"push {LatencySummary.Ms(w.PushMs)}, province shows it after {LatencySummary.Ms(w.FreshnessMs)}");
            }
            Row("probe push latency (1 value)", f.ProbePushLatency.ToString());
            Row("probe send → province shows it", f.SendToVisible.ToString());
        }
        if (Viewers is { } v)
        {
            Row($"open pages during the ingest ({v.Viewers})", LiveViewers.Describe(v));
            foreach (var (kind, latency) in v.ByRequest)
            {
                Row($"  open pages: {kind}", latency.ToString());
            }
        }
        if (RollupLagMeanMs is { } lag)
        {
            Row("silo orleansplans_rollup_lag mean", $"{lag:F1} ms (county state written → province updated)");
        }
        if (SiloManagedHeapBytes is { } heap)
        {
            Row("silo managed heap at the last GC", $"{Gb(heap)} (all generations, after ingest; VmHWM below also counts GC headroom and native memory)");
        }
        if (RollupRead is { } r)
        {
            Row($"read: province roll-up ({r.Readers} readers)", $"{r.Latency}; {r.RequestsPerSecond:N0} req/s; {Body(r)}; {r.Errors} errors");
        }
        if (RollupVersionChecks is { } checks)
        {
            Row("  the gateway's version checks", checks);
        }
        if (PageRead is { } p)
        {
            Row($"read: indicator page ({p.Readers} readers)", $"{p.Latency}; {p.RequestsPerSecond:N0} req/s; {Body(p)}; {p.Errors} errors");
        }
        if (InflatedRollupRead is { } inflated)
        {
            Row($"read: province roll-up, every body inflated by the readers ({inflated.Readers} readers)", $"{inflated.Latency}; {inflated.RequestsPerSecond:N0} req/s; {inflated.ResponseBytes / 1024.0:F0} KB JSON; {inflated.Errors} errors (sessions 3–6's measurement; not judged)");
        }
        if (ConditionalRollupRead is { } conditional)
        {
            Row($"read: province roll-up, If-None-Match ({conditional.Readers} readers)", $"{conditional.Latency}; {conditional.RequestsPerSecond:N0} req/s; {conditional.NotModified:N0} of {conditional.Requests:N0} answered 304; {conditional.Errors} errors (a polling dashboard; not judged)");
        }
        foreach (var (name, bytes) in PeakRssBytes)
        {
            Row($"peak memory (VmHWM) {name}", bytes is { } b ? Gb(b) : "?");
        }
        for (var n = 0; n < ColdStarts.Count; n++)
        {
            var c = ColdStarts[n];
            var label = ColdStarts.Count > 1 ? $"cold start {n + 1}" : "cold start";
            Row($"{label}: processes ready", $"{c.ProcessesReadySeconds:F1} s");
            Row($"{label}: province roll-up full", (c.Full ? $"{c.FullRollupSeconds:F1} s (first 200 after {c.FirstRollupSeconds:F1} s)" : $"NOT full after {c.FullRollupSeconds:F0} s")
                + (c.FailedPolls.Count > 0 ? "; failed polls: " + string.Join(", ", c.FailedPolls.Select(f => $"{f.Key}×{f.Value}")) : ""));
            foreach (var (name, bytes) in c.PeakRssAfterBytes)
            {
                Row($"  VmHWM after cold start {name}", bytes is { } b ? Gb(b) : "?");
            }
            Row("  CPU from restart to full roll-up", string.Join(", ", c.Cpu.Select(p => $"{p.Name} {p.CpuSeconds:F1} s")));
            if (c.Postgres is { } cpg)
            {
                Row("  PostgreSQL during cold start", $"{cpg.Commits:N0} commits; top: " + string.Join("; ", cpg.TopStatements.Take(3).Select(t => $"{t.Calls:N0}× {t.MeanMs:F3} ms {t.Query[..Math.Min(60, t.Query.Length)]}")));
            }
            foreach (var line in c.SiloMetrics.Where(l => l.Contains("orleansplans_rollup_reconciled", StringComparison.Ordinal) || l.Contains("catalog_activations", StringComparison.Ordinal)))
            {
                Row("  after cold start", line);
            }
        }
        if (BaselineNaive is { } a)
        {
            Row("baseline (a) naive per-value upserts", $"{a.ValuesPerSecond:N0} values/s ({a.Values:N0} in {a.Seconds:F1} s, {a.Connections} connections{(a.Capped ? ", capped" : "")}); statement {a.StatementLatency}");
        }
        if (BaselineSql is { } b2)
        {
            Row("baseline (b) COPY load", $"{b2.CopyValuesPerSecond:N0} values/s ({b2.Rows:N0} rows in {b2.CopySeconds:F1} s)");
            Row($"baseline (b) SQL roll-up ({b2.Readers} readers)", $"{b2.Latency}; {b2.QueriesPerSecond:N0} q/s; {b2.ResultRows} rows; equals Σ pushed: {(b2.MatchesExpected ? "yes" : "NO")}");
        }
        if (IngestVsNaive is { } ratioA)
        {
            Row("ratio ingest / baseline (a)", $"{ratioA:F2}×");
        }
        if (SqlP99VsRollupP99 is { } ratioB)
        {
            Row("ratio SQL p99 / roll-up p99 (b)", $"{ratioB:F2}× (p50: {SqlP50VsRollupP50:F2}×)");
        }
        if (Ingest is { Memory.Count: > 0 } withMemory)
        {
            s.AppendLine();
            var step = Math.Max(1, withMemory.Memory.Count / 12);
            s.AppendLine("silo resident memory during ingest: " + string.Join("; ",
                withMemory.Memory.Where((_, n) => n % step == 0 || n == withMemory.Memory.Count - 1).Select(m => $"{m.Seconds:F0} s {m.Values:N0} values {Gb(m.SiloRssBytes)}")));
        }
        if (IngestCpu is { Count: > 0 })
        {
            s.AppendLine();
            s.AppendLine("CPU during ingest (seconds, cores):");
            foreach (var cpu in IngestCpu)
            {
                s.AppendLine($"  {cpu.Name,-28} {cpu.CpuSeconds,8:F1} s  {cpu.CoresUsed,5:F2} cores");
            }
            if (CpuPerThousandValues() is { } perThousand)
            {
                // The figure to compare across runs: wall-clock rates move ±15 % with whatever else shares the machine,
                // the CPU the system under test spends on the same values much less.
                s.AppendLine($"  system under test per 1,000 values: {perThousand.Total:F3} s (silo {perThousand.Silos:F3}, gateway {perThousand.Gateway:F3}, PostgreSQL {perThousand.Postgres:F3})");
            }
        }
        ReadCpuTable(s, "CPU during the roll-up read phase (seconds, cores):", ReadCpu, RollupRead);
        ReadCpuTable(s, "CPU during the roll-up read phase with every body inflated by the readers (seconds, cores):", InflatedReadCpu, InflatedRollupRead);
        if (IngestPostgres is { } pg)
        {
            s.AppendLine();
            s.AppendLine($"PostgreSQL during ingest: {pg.Commits:N0} commits, {pg.Rollbacks:N0} rollbacks, {pg.WalRecords:N0} WAL records, {pg.WalBytes / 1024.0 / 1024.0:F0} MB WAL ({pg.WalFullPageImages:N0} full-page images), {pg.WalSyncs:N0} WAL syncs");
            if (Ingest is { Values: > 0 } ing)
            {
                s.AppendLine($"  per acknowledged value: {(double)pg.Commits / ing.Values:F3} commits, {(double)pg.WalBytes / ing.Values:F0} WAL bytes; per batch: {(double)pg.Commits / ing.Batches:F1} commits");
            }
            s.AppendLine("  top statements by total time:");
            foreach (var st in pg.TopStatements)
            {
                s.AppendLine($"    {st.TotalMs,10:F0} ms {st.Calls,9:N0} calls {st.MeanMs,8:F3} ms/call {st.Rows,10:N0} rows  {st.Query}");
            }
            s.AppendLine("  largest tables: " + string.Join(", ", pg.TableSizes.Select(t => $"{t.Key} {Gb(t.Value)}")));
        }
        if (SiloMetrics is { Count: > 0 })
        {
            s.AppendLine();
            s.AppendLine("silo /metrics (orleansplans_* and a few runtime series) after ingest:");
            foreach (var line in SiloMetrics)
            {
                s.AppendLine("  " + line);
            }
        }
        if (BaselineSql is { Plan.Length: > 0 } withPlan)
        {
            s.AppendLine();
            s.AppendLine("baseline (b) query plan (EXPLAIN ANALYZE, one run):");
            foreach (var line in withPlan.Plan.Split('\n'))
            {
                s.AppendLine("  " + line);
            }
        }
        if (Ingest is { Rejections.Count: > 0 })
        {
            s.AppendLine();
            s.AppendLine("rejected batches:");
            foreach (var rejection in Ingest.Rejections)
            {
                s.AppendLine("  " + rejection);
            }
        }
        s.AppendLine();
        s.AppendLine("correctness:");
        foreach (var check in Checks)
        {
            s.AppendLine($"  {(check.Ok ? "ok  " : "FAIL")} {check.What}: {check.Detail}");
        }
        s.AppendLine();
        s.AppendLine("targets (issue 8):");
        foreach (var t in Targets)
        {
            s.AppendLine($"  [{t.Verdict}] {t.Target}: {t.Measured}");
        }
        foreach (var note in Notes)
        {
            s.AppendLine("note: " + note);
        }
        return s.ToString();
    }
}
