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
}
