using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using OrleansPlans.Silo.Hosting.Storage;

namespace OrleansPlans.Silo.Hosting;

public static class SiloHostingExtensions
{
    public const string ConnectionStringName = "OrleansPlans";

    /// <summary>True when a PostgreSQL connection string is configured (production); otherwise embedded, in memory.</summary>
    public static bool UsesPostgres(this IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString(ConnectionStringName));

    /// <summary>
    /// Caps the connection pool unless the operator chose a size: a province's cold start activates hundreds of grains
    /// at once, and without a cap each would open its own connection and exhaust PostgreSQL's max_connections.
    /// Npgsql queues requests for a pooled connection instead.
    /// </summary>
    public static string? WithPoolLimit(string? connectionString, int maxPoolSize = 40)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxPoolSize = maxPoolSize;
        }
        return builder.ConnectionString;
    }

    /// <summary>
    /// Hosts a silo: PostgreSQL clustering, grain storage (System.Text.Json) and reminders when a connection string
    /// is configured; otherwise localhost clustering and in-memory storage for the embedded demo.
    /// </summary>
    public static IHostApplicationBuilder AddOrleansPlansSilo(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var options = OrleansPlansHostOptions.From(configuration);
        var connectionString = WithPoolLimit(configuration.GetConnectionString(ConnectionStringName));

        builder.Services.AddPlanGrainServices(configuration);
        // Orleans' placement runs through a Polly pipeline whose telemetry logs two Information lines per placed
        // activation: ~94,000 JSON log lines per province ingest, a measurable share of the silo's CPU (console
        // writes and the logger queue's lock). Warnings and errors from Polly still come through.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // Graceful shutdown: HostOptions__ShutdownTimeout (the Kubernetes manifests set 2 min, below the pod's 150 s
        // grace period) gives grains time to deactivate and in-flight requests time to finish.
        builder.Services.Configure<HostOptions>(configuration.GetSection("HostOptions"));
        builder.Services.AddSingleton<Readiness>();
        builder.Services.Configure<OrleansPlansHostOptions>(configuration.GetSection("Orleans"));
        builder.Services.AddSingleton<RollupWarmup>();
        builder.Services.AddSingleton<DemoProvinceLoader>();
        builder.Services.AddHostedService<SiloStartup>();
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
            builder.Services.AddSingleton<IDataValueLedger, PostgresDataValueLedger>();
            // Registered before UseOrleans: hosted services start in order, so the sweep runs before the silo joins.
            builder.Services.AddHostedService<Membership.DeadSiloSweep>();
        }
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ServiceId = options.ServiceId;
                o.ClusterId = options.ClusterId;
            });
            silo.Configure<GrainCollectionOptions>(o =>
            {
                o.ClassSpecificCollectionAge[typeof(OrleansPlans.Counties.IndicatorGrain).FullName!] = options.LeafGrainCollectionAge;
                o.ClassSpecificCollectionAge[typeof(OrleansPlans.Counties.DepartmentGrain).FullName!] = options.LeafGrainCollectionAge;
                o.EnableActivationSheddingOnMemoryPressure = options.ShedActivationsOnMemoryPressure;
                o.MemoryUsageLimitPercentage = options.MemoryUsageLimitPercent;
                o.MemoryUsageTargetPercentage = options.MemoryUsageTargetPercent;
            });
            if (options.SiloName is { Length: > 0 } name)
            {
                silo.Configure<SiloOptions>(o => o.SiloName = name);
            }
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort);
                silo.AddMemoryGrainStorage(StorageNames.Plans);
                silo.UseInMemoryReminderService();
            }
            else
            {
                var advertised = options.AdvertisedIP is { Length: > 0 } ip ? IPAddress.Parse(ip) : IPAddress.Loopback;
                silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.IAmAliveTablePublishTimeout = options.IAmAlivePeriod;
                    o.NumMissedTableIAmAliveLimit = options.MissedIAmAliveLimit;
                });
                // Group commit: concurrent state writes of many grains (a push's indicator grains, other counties'
                // pushes) share one statement and one commit; reads (activations, cold start) share one query.
                silo.AddBatchedPostgresGrainStorage(StorageNames.Plans, connectionString, o => configuration.GetSection("OrleansPlans:Storage").Bind(o));
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
            }
            silo.AddActivityPropagation();
            if (options.Dashboard)
            {
                silo.AddDashboard();
            }
            silo.UsePlansGrainStateJson();
        });
        return builder;
    }
}
