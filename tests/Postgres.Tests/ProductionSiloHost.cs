using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// A silo host built the way production builds one (<see cref="SiloHostingExtensions.AddOrleansPlansSilo"/>), in this
/// process, on free ports, joining <c>clusterId</c> through the PostgreSQL membership table; not started.
/// </summary>
public static class ProductionSiloHost
{
    public static (IHost Host, int SiloPort) Build(string connectionString, string clusterId, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = "Production",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var siloPort = PostgresServer.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:OrleansPlans"] = connectionString,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = PostgresServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:AdvertisedIP"] = "127.0.0.1",
            ["Demo:Enabled"] = "false",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddOrleansPlansSilo();
        return (builder.Build(), siloPort);
    }

    /// <summary>Stops (10 s each) and disposes the hosts, also those that never finished starting.</summary>
    public static async Task StopAllAsync(IEnumerable<IHost> hosts)
    {
        foreach (var host in hosts)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await host.StopAsync(cts.Token);
            }
            catch (Exception)
            {
                // Already stopped, or stopping failed: disposing still releases the ports.
            }
            host.Dispose();
        }
    }
}
