namespace OrleansPlans.Silo.Hosting;

/// <summary>The "Orleans" configuration section (environment: Orleans__ServiceId, Orleans__SiloPort, …).</summary>
public sealed class OrleansPlansHostOptions
{
    /// <summary>Keys grain state and reminders in PostgreSQL: never change it once data exists.</summary>
    public string ServiceId { get; set; } = "orleans-plans";

    public string ClusterId { get; set; } = "orleans-plans";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at (the pod IP on Kubernetes).</summary>
    public string? AdvertisedIP { get; set; }

    public string? SiloName { get; set; }

    /// <summary>
    /// Idle time after which a county's indicator and department grains are deactivated (default 2 min; Orleans'
    /// default for other grains is 15 min). They are re-read from storage on the next call, and the roll-ups do not
    /// need them (they hold each county's contribution), so at national scale memory stays bounded by the counties
    /// pushing recently rather than by every indicator ever touched. (5 min was too long for the national benchmark:
    /// each county pushes its next year about every 130 s, so its leaf grains never became idle; docs/benchmarks.md.)
    /// </summary>
    public TimeSpan LeafGrainCollectionAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Deactivate the least recently used activations when the silo's memory passes
    /// <see cref="MemoryUsageLimitPercent"/> of what the runtime may use (the container's memory limit on Kubernetes,
    /// or DOTNET_GCHeapHardLimit), down to <see cref="MemoryUsageTargetPercent"/>. Every grain that holds values of
    /// record writes them before acknowledging, and roll-ups rebuild from their children, so shedding costs re-reads,
    /// never data; without it a silo that holds more counties than fit is killed by the kernel instead.
    /// </summary>
    public bool ShedActivationsOnMemoryPressure { get; set; } = true;

    public double MemoryUsageLimitPercent { get; set; } = 80;

    /// <summary>
    /// The Orleans dashboard (fed by every silo, served by the gateways at /dashboard to operators). Its collector reads
    /// the Orleans meter once a second, and two of its gauges (activations, directory cache entries) count by walking
    /// every activation: measured 12 % of a national silo's CPU during an ingest (~650,000 activations), 2.6–2.9 % at
    /// province scale (docs/benchmarks.md, sessions 3 and 5). Off (Orleans__Dashboard=false on silos and gateways alike)
    /// for silos holding many counties; /metrics and Prometheus keep the same figures, read only when scraped.
    /// </summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>The "Orleans" section of a configuration (defaults where it is absent).</summary>
    public static OrleansPlansHostOptions From(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        Microsoft.Extensions.Configuration.ConfigurationBinder.Get<OrleansPlansHostOptions>(configuration.GetSection("Orleans")) ?? new OrleansPlansHostOptions();

    /// <summary>
    /// Province codes whose roll-ups the silo activates at start, with every city and county under them (e.g.
    /// Orleans__WarmProvinces__0=510000): the provinces this deployment serves. Empty: the demo province in embedded
    /// mode, none otherwise (roll-ups then activate on first use: the first reader or pushing county waits for them).
    /// </summary>
    public string[] WarmProvinces { get; set; } = [];

    /// <summary>
    /// At start, how long the silo waits for those roll-ups before it reports ready; warming goes on in the background
    /// after that. Zero: no warm-up. 30 s covers a province's cold start on 2 cores (~10 s) but not a national one.
    /// </summary>
    public TimeSpan WarmRollupsFor { get; set; } = TimeSpan.FromSeconds(30);

    public double MemoryUsageTargetPercent { get; set; } = 70;

    /// <summary>
    /// How often a silo writes its heartbeat (IAmAliveTime) into the membership table (Orleans' default: 30 s). A
    /// starting silo stays Joining until it has reached every silo the table lists as Active, or they are declared dead
    /// by missed probes, which Orleans starts only once a silo has missed <see cref="MissedIAmAliveLimit"/> heartbeats.
    /// After every silo is killed and comes back on a new address (a Kubernetes Deployment's pods after a crash, an OOM
    /// kill of a one-silo cluster) the dead silos' rows are Active under addresses nobody answers on: with Orleans'
    /// defaults (30 s × 3) the province was served again 140.6 s after the kill; 45.6 s with 10 s × 2, 35.2 s with
    /// 5 s × 2 (docs/benchmarks.md, session 19). <see cref="ClearDeadSilosOnStart"/> takes most of the rest away; the
    /// short heartbeat remains for what the sweep leaves to Orleans. One UPDATE per silo every 5 s.
    /// </summary>
    public TimeSpan IAmAlivePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Missed heartbeats after which a silo's Active row is stale (Orleans' default: 3). A stale silo counts no more
    /// towards the votes needed to declare a silo dead; declaring it dead still takes missed probes (3 × 5 s). In the
    /// runs above a joining silo declared the dead silos' rows dead ~19 s after they became stale, then joined.
    /// </summary>
    public int MissedIAmAliveLimit { get; set; } = 2;

    /// <summary>
    /// How often a gateway process re-reads the silos it may connect to from the membership table (Orleans' default:
    /// 1 min). After a cluster restart on new addresses the gateway knows only the dead silos until this refresh, and
    /// was ready 11.5 s after the new silo with 10 s, 4.1 s with 5 s (docs/benchmarks.md, session 19). One small
    /// query (the Active silos' gateway ports) per gateway every 2 s.
    /// </summary>
    public TimeSpan GatewayListRefreshPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Before joining, mark Dead the membership rows of silos that are certainly gone (Membership.DeadSiloSweep): an
    /// earlier run at this silo's address and port, a row superseded by a newer run at the same address and port, a silo
    /// port that refuses connections, or one that cannot be reached and has written no heartbeat for
    /// <see cref="IAmAlivePeriod"/> × <see cref="MissedIAmAliveLimit"/>.
    /// </summary>
    public bool ClearDeadSilosOnStart { get; set; } = true;
}
