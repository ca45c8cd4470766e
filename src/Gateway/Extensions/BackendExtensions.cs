using Orleans.Configuration;
using Orleans.Dashboard;
using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Gateway.Extensions;

public static class BackendExtensions
{
    /// <summary>
    /// Embedded mode (no connection string): co-hosts a silo with in-memory storage and the demo province.
    /// Otherwise an Orleans client that finds the silos through PostgreSQL membership.
    /// </summary>
    public static WebApplicationBuilder AddOrleansPlansBackend(this WebApplicationBuilder builder)
    {
        if (!builder.Configuration.UsesPostgres())
        {
            builder.AddOrleansPlansSilo();
            return builder;
        }
        var options = OrleansPlansHostOptions.From(builder.Configuration);
        var connectionString = builder.Configuration.GetConnectionString(SiloHostingExtensions.ConnectionStringName);
        builder.Services.AddPlanGrainServices(builder.Configuration);
        builder.Services.AddSingleton<Readiness>();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ServiceId = options.ServiceId;
                o.ClusterId = options.ClusterId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = options.GatewayListRefreshPeriod);
            client.AddActivityPropagation();
            if (options.Dashboard)
            {
                client.AddDashboard();
            }
        });
        builder.Services.AddHostedService<ClientReadiness>();
        return builder;
    }

    /// <summary>A client gateway is ready once the Orleans client has connected (it connects during host start).</summary>
    private sealed class ClientReadiness(Readiness readiness, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(readiness.MarkReady);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
