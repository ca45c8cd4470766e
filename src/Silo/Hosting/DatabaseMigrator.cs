using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansPlans.Silo.Hosting;

/// <summary>
/// Applies db/migrations/NNNN_*.sql in order, each in one transaction under an advisory lock, recording applied
/// versions in schema_migrations (contract in db/README.md). Safe when several run at once: a migrator that waited
/// for the lock re-checks and skips what the other recorded.
/// </summary>
public sealed class DatabaseMigrator(string connectionString, ILogger logger)
{
    public const string LockKey = "orleans-plans-migrate";

    public static string LocateMigrations()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "db", "migrations");
                if (Directory.Exists(candidate) && Directory.GetFiles(candidate, "*.sql").Length > 0)
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException("No db/migrations directory found next to the application or above the working directory.");
    }

    /// <summary>Returns the versions applied by this run (empty when the database was already up to date).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(string? directory = null, CancellationToken cancellationToken = default)
    {
        directory ??= LocateMigrations();
        var scripts = Directory.GetFiles(directory, "*.sql").Order(StringComparer.Ordinal).ToArray();
        var applied = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // Under the migrations' advisory lock: CREATE TABLE IF NOT EXISTS is not safe against a concurrent creator (two
        // migrators on a fresh database failed with 42710 "type schema_migrations already exists", or 23505/42P07).
        await using (var setup = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@key))", connection, setup))
            {
                lockCommand.Parameters.AddWithValue("key", LockKey);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var create = new NpgsqlCommand(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", connection, setup))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            await setup.CommitAsync(cancellationToken);
        }
        foreach (var script in scripts)
        {
            var version = Path.GetFileNameWithoutExtension(script);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@key))", connection, transaction))
            {
                lockCommand.Parameters.AddWithValue("key", LockKey);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var check = new NpgsqlCommand("SELECT 1 FROM schema_migrations WHERE version = @v", connection, transaction))
            {
                check.Parameters.AddWithValue("v", version);
                if (await check.ExecuteScalarAsync(cancellationToken) is not null)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    logger.LogInformation("Migration {Version}: already applied", version);
                    continue;
                }
            }
            try
            {
                // One command, no parameters: function bodies contain ';' and stored query texts contain '@Name'.
                await using (var run = new NpgsqlCommand(await File.ReadAllTextAsync(script, cancellationToken), connection, transaction))
                {
                    await run.ExecuteNonQueryAsync(cancellationToken);
                }
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES (@v)", connection, transaction))
                {
                    record.Parameters.AddWithValue("v", version);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                applied.Add(version);
                logger.LogInformation("Migration {Version}: applied", version);
            }
            catch (PostgresException e)
            {
                logger.LogError("Migration {Version} failed and was rolled back: {Message}", version, e.MessageText);
                throw;
            }
        }
        return applied;
    }
}
