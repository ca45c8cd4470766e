using System.Globalization;

namespace OrleansPlans.Bench;

public enum BenchMode { Gateway, Spawn, Embedded }

/// <summary>Command-line options, parsed by hand (System.CommandLine is not available).</summary>
public sealed class BenchOptions
{
    public BenchMode Mode { get; set; } = BenchMode.Spawn;
    public bool ModeChosen { get; set; }
    public Uri? GatewayUrl { get; set; }
    public int Silos { get; set; } = 1;

    /// <summary>With --spawn: start one more silo this many seconds into the ingest (a scale-out at a deadline).</summary>
    public double? AddSiloAt { get; set; }
    public string Province { get; set; } = "510000";
    public bool National { get; set; }
    public int? Cities { get; set; }
    public int FirstYear { get; set; } = 2020;
    public int LastYear { get; set; } = 2024;
    public int Clients { get; set; } = 16;
    public int Readers { get; set; } = 64;
    public double ReadSeconds { get; set; } = 10;

    /// <summary>Open province pages during the ingest (LiveViewers): the committee watching a deadline live. 0 = none.</summary>
    public int Viewers { get; set; }

    /// <summary>Each county's own page open during the ingest: its staff watching their figures arrive.</summary>
    public bool CountyViewers { get; set; }

    /// <summary>Rounds of the in-process warning-judgement measurement (<see cref="Judging"/>); 0 = the normal run.</summary>
    public int JudgingRounds { get; set; }

    public int CodecRounds { get; set; }

    /// <summary>
    /// Seconds the readers read a path before its measured phase (not recorded; CPU not counted). The gateway compiles
    /// the read path's methods again at tier 1 once they are hot, and on 2 cores that took ~0.15 cores for the first
    /// ~5 s of a 10 s phase (perf, session 10): a gateway that has served a dashboard for a while has done it long ago.
    /// </summary>
    public double ReadWarmupSeconds { get; set; } = 3;

    /// <summary>
    /// Readers use HttpClient (sessions 3–9) instead of one raw keep-alive HTTP/1.1 connection each (RawHttpReader) for
    /// the phases that receive bodies as sent; the phase with every body inflated always uses HttpClient.
    /// </summary>
    public bool HttpClientReaders { get; set; }
    public string ProbeIndicator { get; set; } = "model-women-children-home-count";
    public int ProbeIntervalMs { get; set; } = 200;
    public string PageIndicator { get; set; } = "maternal-mortality-rate";
    public int Seed { get; set; } = 20_211;
    public string? JsonPath { get; set; }
    public bool Smoke { get; set; }

    /// <summary>Readers accept gzip as browsers do (the dashboard's fetches); --identity reads uncompressed JSON.</summary>
    public bool AcceptGzip { get; set; } = true;

    /// <summary>
    /// Readers inflate every gzip body in this process (--inflate; sessions 3–6 measured this way). By default they
    /// receive the body as sent and inflate and check only their first one: on a 2-core machine the readers share the
    /// cores with the system under test, and inflating 167 KB per response took ~1 core that real readers spend on
    /// their own machines (docs/benchmarks.md, session 7).
    /// </summary>
    public bool InflateEveryRead { get; set; }
    public bool Baselines { get; set; } = true;
    public double BaselineSeconds { get; set; } = 60;
    public string? BaselineConnectionString { get; set; }
    public bool ColdStart { get; set; } = true;
    public int ColdStarts { get; set; } = 1;

    /// <summary>
    /// Cold starts restart the silos on new ports (--cold-start-new-ports), as pods of a Kubernetes Deployment come back
    /// with new addresses: the killed silos' rows stay Active in the membership table under addresses nobody answers on.
    /// By default a silo comes back on its own port and supersedes its row at once.
    /// </summary>
    public bool ColdStartNewPorts { get; set; }
    public double MaxSiloGb { get; set; } = 10;
    public string? BinDirectory { get; set; }
    public string Configuration { get; set; } = DefaultConfiguration();
    public bool Keep { get; set; }
    public string? ConnectionOptions { get; set; }
    public double WaitQuietMinutes { get; set; }
    public Dictionary<string, string> ExtraEnvironment { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> PostgresSettings { get; } = new(StringComparer.Ordinal);

    public int Years => LastYear - FirstYear + 1;

    public const string Usage = """
        OrleansPlans.Bench — drives the REST gateway with concurrent county clients and measures ingest, freshness,
        read latency, memory and cold start, side by side with plain-PostgreSQL baselines (docs/benchmarks.md).

        Target (one of):
          --spawn                  start a throwaway PostgreSQL, migrate, --silos N silo processes and one gateway (default)
          --embedded               start one gateway in embedded mode (in-memory storage, Demo__Enabled=false)
          --gateway URL            drive a running gateway (no memory, cold start; baselines only with --pg)
        Scenario:
          --silos N                silo processes with --spawn (1)
          --add-silo-at S          with --spawn: start one more silo S seconds into the ingest and report how long until
                                   it holds its share (the silos hand it the cities it owns) and what the ingest did meanwhile
          --province CODE          the province that is read and checked (510000 = 四川省; --national checks every province)
          --national               push all 2,854 county-level units of data/divisions/divisions.csv
          --cities N               only the first N cities of the province (by code)
          --years A-B | A,B,…      years pushed (2020-2024)
          --clients N              concurrent county clients (16)
          --readers N              concurrent readers in the read phases (64)
          --viewers N              open province pages during the ingest, as the web UI's live view: an event stream
                                   each and, on every change, the page's 10 requests (0)
          --county-viewers         one open page per county of the scenario, on its own county (its staff watching)
          --read-seconds S         length of each read phase (10)
          --read-warmup-seconds S  unmeasured reading of the same path by the same readers before each phase (3; 0 = none)
          --http-client-readers    readers use HttpClient (sessions 3–9) instead of one raw HTTP/1.1 connection each
          --probe-indicator CODE   count indicator reserved for the freshness probe (model-women-children-home-count)
          --probe-interval-ms MS   probe push interval (200)
          --page-indicator CODE    indicator page read in the second read phase (maternal-mortality-rate)
          --seed N                 synthetic generator seed (20211)
        Baselines and phases:
          --no-baselines           skip the PostgreSQL baselines
          --baseline-seconds S     cap on baseline (a), naive per-value upserts (60)
          --pg CONNSTRING          PostgreSQL for the baselines with --gateway/--embedded (otherwise a throwaway one)
          --no-cold-start          skip the cold-start phase (--spawn)
          --cold-starts N          repeat the cold start N times (1)
          --cold-start-new-ports   restart the silos on new ports, as Kubernetes pods come back with new
                                   addresses (default: each silo on its own port again)
          --max-silo-gb G          stop pushing once the spawned silos' resident memory passes G GB (10; 0 = no limit)
          --env KEY=VALUE          extra environment for spawned silos and gateway (repeatable)
          --identity               readers do not send Accept-Encoding: gzip (default: they do, as browsers)
          --inflate                readers inflate every gzip body in this process, as sessions 3–6 measured (default:
                                   bodies are received as sent, each reader inflates and checks its first one; the run
                                   also reports an inflating roll-up phase, not judged)
          --pg-set NAME=VALUE      extra PostgreSQL setting for the throwaway cluster (repeatable)
          --conn-options 'K=V;…'   appended to the silos' and gateway's connection string (experiments, e.g. No Reset On Close=true)
        Output:
          --judging ROUNDS         only measure a county's warning judgement in this process (no cluster): the
                                   scenario's counties push year by year and every touched indicator is judged after
                                   each push; prints µs and bytes per judgement, ROUNDS times
          --codecs ROUNDS          only measure the grain storage's JSON of a county's year rows in this process (no
                                   cluster): every county-year row of the scenario written and read back with the
                                   silo's settings and with the reflection serializer they replaced; µs, bytes
                                   allocated and JSON size per row, ROUNDS times
          --json PATH              write the results as JSON
          --smoke                  CI mode: embedded gateway (or --spawn), 2 cities × 2 years, asserts the roll-ups are exact
          --bin DIR                folder with src/*/bin/<config>/net10.0 (default: the repository above this tool)
          --config Release|Debug   build configuration of the silo and gateway binaries (default: this tool's)
          --keep                   keep the temp folder (PostgreSQL data, process logs)
          --wait-quiet MINUTES     first wait (checking every 60 s, at most MINUTES) until the 1-minute load average is
                                   < 1.0 and no other OrleansPlans or `dotnet test` process runs
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        var smokeYears = true;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            int NextInt() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new ArgumentException($"{arg} needs a non-negative integer");
            double NextDouble() => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{arg} needs a positive number");
            double NextSeconds() => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new ArgumentException($"{arg} needs a number ≥ 0");
            switch (arg)
            {
                case "--gateway":
                    o.Mode = BenchMode.Gateway;
                    o.ModeChosen = true;
                    o.GatewayUrl = new Uri(Next().TrimEnd('/') + "/");
                    break;
                case "--spawn":
                    o.Mode = BenchMode.Spawn;
                    o.ModeChosen = true;
                    break;
                case "--embedded":
                    o.Mode = BenchMode.Embedded;
                    o.ModeChosen = true;
                    break;
                case "--silos": o.Silos = Math.Max(1, NextInt()); break;
                case "--add-silo-at": o.AddSiloAt = NextSeconds(); break;
                case "--province": o.Province = Next(); break;
                case "--national": o.National = true; break;
                case "--cities": o.Cities = Math.Max(1, NextInt()); break;
                case "--years":
                    (o.FirstYear, o.LastYear) = ParseYears(Next());
                    smokeYears = false;
                    break;
                case "--clients": o.Clients = Math.Max(1, NextInt()); break;
                case "--readers": o.Readers = NextInt(); break;
                case "--viewers": o.Viewers = Math.Max(0, NextInt()); break;
                case "--county-viewers": o.CountyViewers = true; break;
                case "--judging": o.JudgingRounds = Math.Max(1, NextInt()); break;
                case "--codecs": o.CodecRounds = Math.Max(1, NextInt()); break;
                case "--read-seconds": o.ReadSeconds = NextDouble(); break;
                case "--read-warmup-seconds": o.ReadWarmupSeconds = NextSeconds(); break;
                case "--http-client-readers": o.HttpClientReaders = true; break;
                case "--probe-indicator": o.ProbeIndicator = Next(); break;
                case "--probe-interval-ms": o.ProbeIntervalMs = NextInt(); break;
                case "--page-indicator": o.PageIndicator = Next(); break;
                case "--seed": o.Seed = NextInt(); break;
                case "--json": o.JsonPath = Next(); break;
                case "--smoke": o.Smoke = true; break;
                case "--identity": o.AcceptGzip = false; break;
                case "--inflate": o.InflateEveryRead = true; break;
                case "--no-baselines": o.Baselines = false; break;
                case "--baseline-seconds": o.BaselineSeconds = NextDouble(); break;
                case "--pg": o.BaselineConnectionString = Next(); break;
                case "--no-cold-start": o.ColdStart = false; break;
                case "--cold-starts": o.ColdStarts = Math.Max(1, NextInt()); break;
                case "--cold-start-new-ports": o.ColdStartNewPorts = true; break;
                case "--max-silo-gb": o.MaxSiloGb = double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var g) && g >= 0 ? g : throw new ArgumentException("--max-silo-gb needs a number ≥ 0"); break;
                case "--bin": o.BinDirectory = Next(); break;
                case "--config": o.Configuration = Next(); break;
                case "--keep": o.Keep = true; break;
                case "--conn-options": o.ConnectionOptions = Next(); break;
                case "--wait-quiet": o.WaitQuietMinutes = NextDouble(); break;
                case "--env":
                    {
                        var (k, v) = KeyValue(arg, Next());
                        o.ExtraEnvironment[k] = v;
                        break;
                    }
                case "--pg-set":
                    {
                        var (k, v) = KeyValue(arg, Next());
                        o.PostgresSettings[k] = v;
                        break;
                    }
                case "-h" or "--help":
                    throw new HelpRequested();
                default:
                    throw new ArgumentException($"unknown argument '{arg}'");
            }
        }
        if (o.Smoke)
        {
            // Seconds in CI: an embedded gateway unless --spawn/--gateway was chosen, two cities, two years, correctness only.
            if (!o.ModeChosen)
            {
                o.Mode = BenchMode.Embedded;
            }
            o.Cities ??= 2;
            if (smokeYears)
            {
                (o.FirstYear, o.LastYear) = (2023, 2024);
            }
            o.Clients = Math.Min(o.Clients, 4);
            // Two open pages follow the smoke ingest, so CI runs the event stream and a page's reload against the gateway.
            o.Viewers = Math.Max(o.Viewers, 2);
            o.Baselines = false;
            o.ColdStart = false;
            o.National = false;
        }
        if (o.LastYear < o.FirstYear)
        {
            throw new ArgumentException("--years: the last year is before the first");
        }
        return o;
    }

    private static (int, int) ParseYears(string text)
    {
        var parts = text.Split(['-', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var years = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (years.Length is < 1 or > 2 && !text.Contains(','))
        {
            throw new ArgumentException("--years: A-B or A,B,…");
        }
        var first = years.Min();
        var last = years.Max();
        if (text.Contains(',') && years.Distinct().Count() != last - first + 1)
        {
            throw new ArgumentException("--years: the years must be consecutive");
        }
        return (first, last);
    }

    private static (string, string) KeyValue(string arg, string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        return eq > 0 ? (text[..eq], text[(eq + 1)..]) : throw new ArgumentException($"{arg} needs KEY=VALUE");
    }

    /// <summary>"Release" or "Debug": the configuration this tool was built in (bin/&lt;config&gt;/net10.0).</summary>
    private static string DefaultConfiguration()
    {
        var parent = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent;
        return parent?.Name is "Release" or "Debug" ? parent.Name : "Release";
    }
}

public sealed class HelpRequested : Exception
{
    public HelpRequested() : base("help")
    {
    }

    public HelpRequested(string message) : base(message)
    {
    }

    public HelpRequested(string message, Exception inner) : base(message, inner)
    {
    }
}
