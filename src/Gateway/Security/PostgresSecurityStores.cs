using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using OrleansPlans.Contracts;

namespace OrleansPlans.Gateway.Security;

/// <summary>The gateway's own connection pool for the security tables (db/migrations/0007_security.sql).</summary>
public sealed class SecurityDatabase(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    internal static async Task InsertAuditAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, AuditRecord record, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO audit_log (at, principal, action, org_unit, target, before, after, batch_id)
            VALUES (@at, @principal, @action, @org, @target, @before, @after, @batch)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<DateTime>("at", record.At.UtcDateTime) { NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.AddWithValue("principal", record.Principal);
        command.Parameters.AddWithValue("action", record.Action);
        command.Parameters.Add(new NpgsqlParameter("org", NpgsqlDbType.Char) { Value = (object?)record.OrgUnit ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("target", NpgsqlDbType.Text) { Value = (object?)record.Target ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Jsonb) { Value = (object?)record.Before ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Jsonb) { Value = (object?)record.After ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("batch", NpgsqlDbType.Uuid) { Value = (object?)record.BatchId ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Database faults become <see cref="StorageUnavailableException"/>: 503 with Retry-After, nothing acknowledged.</summary>
    internal static async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (DbException e)
        {
            throw new StorageUnavailableException("security store unavailable", e);
        }
    }
}

public sealed class PostgresAuditLog(SecurityDatabase db) : IAuditLog
{
    public Task AppendAsync(AuditRecord record, CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var connection = await db.DataSource.OpenConnectionAsync(cancellationToken);
        await SecurityDatabase.InsertAuditAsync(connection, null, record, cancellationToken);
        return true;
    });

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var command = db.DataSource.CreateCommand("""
            SELECT id, at, principal, action, org_unit, target, before::text, after::text, batch_id FROM audit_log
            WHERE (@units IS NULL OR org_unit = ANY(@units))
              AND (@principal IS NULL OR principal = @principal)
              AND (@action IS NULL OR action = @action)
              AND (@from IS NULL OR at >= @from)
              AND (@to IS NULL OR at < @to)
              AND (@before IS NULL OR id < @before)
            ORDER BY id DESC LIMIT @limit
            """);
        command.Parameters.Add(new NpgsqlParameter("units", NpgsqlDbType.Array | NpgsqlDbType.Char) { Value = query.OrgUnits is null ? DBNull.Value : query.OrgUnits.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("principal", NpgsqlDbType.Text) { Value = (object?)query.Principal ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("action", NpgsqlDbType.Text) { Value = (object?)query.Action ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = query.From is { } f ? f.UtcDateTime : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = query.To is { } t ? t.UtcDateTime : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = (object?)query.BeforeId ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", query.Limit);
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(reader.GetInt64(0), new AuditRecord(
                new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetGuid(8))));
        }
        return (IReadOnlyList<AuditEntry>)entries;
    });
}

public sealed class PostgresApiKeyStore(SecurityDatabase db) : IApiKeyStore
{
    private const string Columns = "id, name, role, org_unit, department, key_hash, created_at, created_by, revoked_at, revoked_by";

    public Task AddAsync(ApiKeyRecord key, AuditRecord audit, CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var connection = await db.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"INSERT INTO api_keys ({Columns}) VALUES (@id, @name, @role, @org, @dept, @hash, @at, @by, NULL, NULL)", connection, transaction))
        {
            command.Parameters.AddWithValue("id", key.Id);
            command.Parameters.AddWithValue("name", key.Name);
            command.Parameters.AddWithValue("role", key.Role);
            command.Parameters.AddWithValue("org", key.OrgUnit);
            command.Parameters.Add(new NpgsqlParameter("dept", NpgsqlDbType.Text) { Value = (object?)key.Department ?? DBNull.Value });
            command.Parameters.AddWithValue("hash", key.Hash);
            command.Parameters.Add(new NpgsqlParameter<DateTime>("at", key.CreatedAt.UtcDateTime) { NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.AddWithValue("by", key.CreatedBy);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await SecurityDatabase.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    });

    public Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var command = db.DataSource.CreateCommand($"SELECT {Columns} FROM api_keys WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    });

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var command = db.DataSource.CreateCommand($"SELECT {Columns} FROM api_keys ORDER BY created_at");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Read(reader));
        }
        return (IReadOnlyList<ApiKeyRecord>)keys;
    });

    public Task<bool> RevokeAsync(string id, string by, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var connection = await db.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("UPDATE api_keys SET revoked_at = @at, revoked_by = @by WHERE id = @id AND revoked_at IS NULL", connection, transaction))
        {
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("by", by);
            command.Parameters.Add(new NpgsqlParameter<DateTime>("at", at.UtcDateTime) { NpgsqlDbType = NpgsqlDbType.TimestampTz });
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }
        await SecurityDatabase.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    });

    private static ApiKeyRecord Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetString(5),
        new DateTimeOffset(r.GetDateTime(6), TimeSpan.Zero), r.GetString(7),
        r.IsDBNull(8) ? null : new DateTimeOffset(r.GetDateTime(8), TimeSpan.Zero), r.IsDBNull(9) ? null : r.GetString(9));
}

public sealed class PostgresRoleAssignmentStore(SecurityDatabase db) : IRoleAssignmentStore
{
    private const string Columns = "subject, role, org_unit, department, assigned_at, assigned_by";

    public Task<RoleAssignment?> FindAsync(string subject, CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var command = db.DataSource.CreateCommand($"SELECT {Columns} FROM role_assignments WHERE subject = @s");
        command.Parameters.AddWithValue("s", subject);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    });

    public Task<IReadOnlyList<RoleAssignment>> ListAsync(CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var command = db.DataSource.CreateCommand($"SELECT {Columns} FROM role_assignments ORDER BY subject");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<RoleAssignment>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }
        return (IReadOnlyList<RoleAssignment>)list;
    });

    public Task SetAsync(RoleAssignment a, AuditRecord audit, CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var connection = await db.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"""
            INSERT INTO role_assignments ({Columns}) VALUES (@s, @role, @org, @dept, @at, @by)
            ON CONFLICT (subject) DO UPDATE SET role = EXCLUDED.role, org_unit = EXCLUDED.org_unit, department = EXCLUDED.department,
                assigned_at = EXCLUDED.assigned_at, assigned_by = EXCLUDED.assigned_by
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("s", a.Subject);
            command.Parameters.AddWithValue("role", a.Role);
            command.Parameters.AddWithValue("org", a.OrgUnit);
            command.Parameters.Add(new NpgsqlParameter("dept", NpgsqlDbType.Text) { Value = (object?)a.Department ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter<DateTime>("at", a.AssignedAt.UtcDateTime) { NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.AddWithValue("by", a.AssignedBy);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await SecurityDatabase.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    });

    public Task<bool> RemoveAsync(string subject, AuditRecord audit, CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var connection = await db.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("DELETE FROM role_assignments WHERE subject = @s", connection, transaction))
        {
            command.Parameters.AddWithValue("s", subject);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }
        await SecurityDatabase.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    });

    private static RoleAssignment Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), new DateTimeOffset(r.GetDateTime(4), TimeSpan.Zero), r.GetString(5));
}

/// <summary>The per-value before/after of pushes, from the append-only ledger (db/migrations/0005, 0011).</summary>
public sealed class PostgresLedgerReader(SecurityDatabase db) : IDataValueLedgerReader
{
    public Task<IReadOnlyList<LedgerEntry>> ReadBatchesAsync(IReadOnlyCollection<Guid> batches, CancellationToken cancellationToken = default) => SecurityDatabase.Guard(async () =>
    {
        await using var command = db.DataSource.CreateCommand("""
            SELECT batch_id, principal, recorded_at, org_unit, indicator, year, disaggregation,
                   old_numerator, old_denominator, old_value, new_numerator, new_denominator, new_value, department
            FROM data_value_ledger_entries WHERE batch_id = ANY(@batches) LIMIT 100000
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("batches", [.. batches]));
        var entries = new List<LedgerEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            decimal? N(int i) => reader.IsDBNull(i) ? null : reader.GetDecimal(i);
            var old = reader.IsDBNull(7) && reader.IsDBNull(8) && reader.IsDBNull(9) ? null
                : new StoredValue(N(7), N(8), N(9), "", default, reader.GetGuid(0));
            var department = reader.IsDBNull(13) ? null : reader.GetString(13);
            entries.Add(new LedgerEntry(reader.GetGuid(0), reader.GetString(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero), reader.GetString(3),
                reader.GetString(4), reader.GetInt32(5), reader.GetString(6), old,
                new DataValueRow(reader.GetString(4), reader.GetInt32(5), reader.GetString(6), N(10), N(11), N(12), department)));
        }
        return (IReadOnlyList<LedgerEntry>)entries;
    });
}
