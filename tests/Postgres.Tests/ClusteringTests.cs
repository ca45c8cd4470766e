using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansPlans.Contracts;
using OrleansPlans.Silo.Hosting;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// Two silos hosted the way production hosts them (<see cref="SiloHostingExtensions.AddOrleansPlansSilo"/>), in two
/// hosts of this process, finding each other through the PostgreSQL membership table.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusteringTests(PostgresFixture fixture) : IAsyncLifetime
{
    private const int Active = 3;
    private const int Dead = 6;

    private readonly List<IHost> _hosts = [];
    private string _connectionString = "";
    private readonly string _clusterId = "clustering-" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync() => _connectionString = await fixture.NewMigratedDatabaseAsync("clustering");

    public Task DisposeAsync() => ProductionSiloHost.StopAllAsync(_hosts);

    [Fact]
    public async Task Two_silos_join_through_postgres_share_grains_and_a_stopped_silo_is_declared_dead()
    {
        var a = await StartSiloAsync();
        var b = await StartSiloAsync();
        var (siloPortA, siloPortB) = (Port(a), Port(b));

        var members = await WaitForMembersAsync(rows => rows.Count(r => r.Status == Active) == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, members.Count(r => r.Status == Active));
        Assert.Contains(members, r => r.Port == siloPortA && r.Status == Active);
        Assert.Contains(members, r => r.Port == siloPortB && r.Status == Active);

        // Pushed through one silo, visible through the other: same grains, one cluster.
        var summary = await a.Services.GetRequiredService<IGrainFactory>().GetGrain<ICountyGrain>(GrainKeys.OrgUnit("511725"))
            .PushAsync(new DataValueBatch(Guid.NewGuid(), "clustering-test", [new DataValueRow("maternal-mortality-rate", 2023, "", 7, 7100, null, null)], false));
        Assert.Equal(1, summary.Imported);
        var viaB = await b.Services.GetRequiredService<IGrainFactory>().GetGrain<IProvinceGrain>(GrainKeys.OrgUnit("510000")).GetRollupAsync(2023, false);
        var total = Assert.Single(viaB.Entries, e => e.Indicator == "maternal-mortality-rate" && e.Disaggregation == "");
        Assert.Equal((7m, 7100m, 1), (total.Numerator, total.Denominator, total.ReportingUnits));

        // A graceful stop marks the silo Dead in the table; the survivor still serves every grain.
        var clock = Stopwatch.StartNew();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await a.StopAsync(cts.Token);
        }
        members = await WaitForMembersAsync(rows => rows.Any(r => r.Port == siloPortA && r.Status == Dead), TimeSpan.FromSeconds(30));
        Assert.Equal(Dead, members.Single(r => r.Port == siloPortA).Status);
        Assert.Equal(Active, members.Single(r => r.Port == siloPortB).Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"declared dead after {clock.Elapsed.TotalSeconds:F1} s");

        var afterStop = await b.Services.GetRequiredService<IGrainFactory>().GetGrain<IProvinceGrain>(GrainKeys.OrgUnit("510000")).GetRollupAsync(2023, false);
        total = Assert.Single(afterStop.Entries, e => e.Indicator == "maternal-mortality-rate" && e.Disaggregation == "");
        Assert.Equal((7m, 7100m, 1), (total.Numerator, total.Denominator, total.ReportingUnits));
    }

    private async Task<IHost> StartSiloAsync()
    {
        var (host, _) = ProductionSiloHost.Build(_connectionString, _clusterId, new Dictionary<string, string?>
        {
            ["OrleansPlans:Rollup:ReconcilePeriod"] = "00:00:02",
        });
        _hosts.Add(host);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(cts.Token);
        return host;
    }

    private static int Port(IHost host) =>
        host.Services.GetRequiredService<IConfiguration>().GetValue<int>("Orleans:SiloPort");

    private async Task<List<(int Port, int Status)>> WaitForMembersAsync(Func<List<(int Port, int Status)>, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var rows = await ReadMembersAsync();
            if (done(rows) || clock.Elapsed > timeout)
            {
                return rows;
            }
            await Task.Delay(250);
        }
    }

    private async Task<List<(int Port, int Status)>> ReadMembersAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT port, status FROM OrleansMembershipTable WHERE deploymentid = @c", connection);
        command.Parameters.AddWithValue("c", _clusterId);
        var rows = new List<(int, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetInt32(1)));
        }
        return rows;
    }
}
