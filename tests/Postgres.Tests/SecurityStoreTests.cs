using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace OrleansPlans.Postgres.Tests;

/// <summary>
/// With a database the gateway keeps API keys (hashed), role assignments and the audit trail in PostgreSQL: they
/// survive a gateway restart, the key itself is never stored, and audit rows cannot be changed or deleted.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class SecurityStoreTests(PostgresFixture fixture) : IDisposable
{
    private readonly List<ChildProcess> _processes = [];

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }
    }

    [Fact]
    public async Task Keys_and_audit_persist_across_a_gateway_restart_and_the_audit_trail_is_append_only()
    {
        var connectionString = await fixture.NewMigratedDatabaseAsync("security");
        var clusterId = "security-" + Guid.NewGuid().ToString("N")[..8];
        var silo = Track(SiloProcess.Start("silo", connectionString, clusterId));
        var gateway = Track(GatewayProcess.Start("gateway", connectionString, clusterId));
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(90));
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(90));

        // No development issuer with a database.
        using (var anonymous = new HttpClient { BaseAddress = gateway.BaseAddress })
        {
            var dev = await anonymous.PostAsJsonAsync("api/v1/dev/tokens", new { role = "province-admin", orgUnit = "000000" });
            Assert.True(dev.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized, $"dev issuer answered {dev.StatusCode}");
        }

        using var admin = Http.Client(gateway.BaseAddress, TimeSpan.FromSeconds(15));
        var issued = await admin.PostAsJsonAsync("api/v1/admin/api-keys", new { name = "渠县统计系统", role = "county-reporter", orgUnit = "511725" });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
        var key = body.GetProperty("key").GetString()!;
        var id = body.GetProperty("id").GetString()!;

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var stored = new NpgsqlCommand("SELECT key_hash FROM api_keys WHERE id = @id", connection);
            stored.Parameters.AddWithValue("id", id);
            var hash = ((string)(await stored.ExecuteScalarAsync())!).Trim();
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))), hash);
            await using var anywhere = new NpgsqlCommand("SELECT count(*) FROM api_keys WHERE row_to_json(api_keys)::text LIKE @k", connection);
            anywhere.Parameters.AddWithValue("k", "%" + key[12..] + "%");
            Assert.Equal(0L, (long)(await anywhere.ExecuteScalarAsync())!); // the secret is nowhere in the table
        }

        // A new gateway process: the key still works, and the trail has the issue and the push.
        gateway.Kill();
        var gateway2 = Track(GatewayProcess.Start("gateway2", connectionString, clusterId));
        await gateway2.WaitReadyAsync(TimeSpan.FromSeconds(90));
        using var county = new HttpClient { BaseAddress = gateway2.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        county.DefaultRequestHeaders.Add("X-Api-Key", key);
        var push = await county.PostAsync("api/v1/counties/511725/data-values", Http.PushBody(2023, ("maternal-mortality-rate", 2, 5000, null)));
        Assert.True(push.StatusCode == HttpStatusCode.OK, $"{push.StatusCode}: {await push.Content.ReadAsStringAsync()}\n{gateway2.Output}");
        Assert.Equal(HttpStatusCode.Forbidden, (await county.PostAsync("api/v1/counties/511702/data-values", Http.PushBody(2023, ("maternal-mortality-rate", 2, 5000, null)))).StatusCode);

        using var admin2 = Http.Client(gateway2.BaseAddress, TimeSpan.FromSeconds(15));
        var trail = await admin2.GetFromJsonAsync<JsonElement>("api/v1/admin/audit?orgUnit=511725");
        var actions = trail.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToArray();
        Assert.Contains("api-key.issue", actions);
        var pushed = trail.EnumerateArray().Single(e => e.GetProperty("action").GetString() == "data-values.push");
        Assert.Equal("apikey:" + id, pushed.GetProperty("principal").GetString());
        var change = Assert.Single(pushed.GetProperty("changes").EnumerateArray());
        Assert.Equal(5000m, change.GetProperty("after").GetProperty("denominator").GetDecimal());

        // Revoked through one gateway: refused from then on.
        Assert.Equal(HttpStatusCode.NoContent, (await admin2.DeleteAsync($"api/v1/admin/api-keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await county.GetAsync("api/v1/org-units/511725/rollup")).StatusCode);

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM audit_log", connection);
            Assert.Equal(3L, (long)(await count.ExecuteScalarAsync())!); // issue, push, revoke
            foreach (var sql in new[] { "UPDATE audit_log SET principal = 'someone else'", "DELETE FROM audit_log", "DELETE FROM api_keys",
                         "UPDATE api_keys SET role = 'province-admin'" })
            {
                await using var change2 = new NpgsqlCommand(sql, connection);
                var e = await Assert.ThrowsAsync<PostgresException>(() => change2.ExecuteNonQueryAsync());
                Assert.Equal("42501", e.SqlState); // insufficient_privilege, raised by the triggers
            }
            Assert.Equal(3L, (long)(await count.ExecuteScalarAsync())!);
        }
    }

    private T Track<T>(T process)
        where T : ChildProcess
    {
        _processes.Add(process);
        return process;
    }
}
