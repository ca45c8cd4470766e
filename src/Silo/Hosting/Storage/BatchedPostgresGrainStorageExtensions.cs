using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace OrleansPlans.Silo.Hosting.Storage;

public static class BatchedPostgresGrainStorageExtensions
{
    /// <summary>
    /// Registers <see cref="BatchedPostgresGrainStorage"/> as the grain storage <paramref name="name"/> on the database of
    /// <paramref name="connectionString"/> (migrated: table grain_state), serializing with the silo's
    /// <see cref="IGrainStorageSerializer"/>.
    /// </summary>
    public static ISiloBuilder AddBatchedPostgresGrainStorage(this ISiloBuilder silo, string name, string connectionString,
        Action<BatchedPostgresGrainStorageOptions>? configure = null)
    {
        var options = new BatchedPostgresGrainStorageOptions();
        configure?.Invoke(options);
        silo.Services.AddGrainStorage(name, (sp, storageName) => new BatchedPostgresGrainStorage(
            storageName,
            NpgsqlDataSource.Create(connectionString),
            ownsDataSource: true,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            sp.GetRequiredService<IGrainStorageSerializer>(),
            options,
            sp.GetRequiredService<ILogger<BatchedPostgresGrainStorage>>()));
        return silo;
    }
}
