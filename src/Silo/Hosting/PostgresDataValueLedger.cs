using Npgsql;
using NpgsqlTypes;

namespace OrleansPlans.Silo.Hosting;

/// <summary>
/// Appends a push's ledger entries to <c>data_value_ledger</c> with one binary COPY, once per (batch, org unit): a
/// replayed batch (a county finishing a recorded push after a crash) finds its rows already there and adds nothing.
/// </summary>
/// <remarks>
/// Idempotency is per push rather than per row (db/migrations/0009): a county appends each batch's entries in one call,
/// after every indicator grain applied it, so the rows of a batch are committed all together or not at all, and a replay
/// produces the same rows. The check and the COPY run in one transaction under an advisory lock on the batch, so two
/// appends of the same batch (a duplicate activation during a partition) cannot both pass the check. COPY instead of an
/// INSERT … ON CONFLICT over unnested arrays: the ledger was the largest statement of a push after the state writes.
/// </remarks>
public sealed class PostgresDataValueLedger(NpgsqlDataSource dataSource) : IDataValueLedger
{
    private const string Copy = """
        COPY data_value_ledger (batch_id, principal, recorded_at, org_unit, indicator, year, disaggregation,
            old_numerator, old_denominator, old_value, new_numerator, new_denominator, new_value, department)
        FROM STDIN (FORMAT BINARY)
        """;

    public async Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var push in entries.GroupBy(e => (e.BatchId, e.OrgUnit)))
        {
            await AppendPushAsync(connection, push.Key.BatchId, push.Key.OrgUnit, [.. push], cancellationToken);
        }
    }

    private static async Task AppendPushAsync(NpgsqlConnection connection, Guid batch, string orgUnit, LedgerEntry[] entries, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Two statements in one round trip: the check must take its snapshot after the lock is held (a single
        // statement's snapshot predates the lock wait, and would miss rows committed by the holder meanwhile).
        await using (var check = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2, 0))")
                {
                    Parameters = { new NpgsqlParameter<Guid> { TypedValue = batch }, new NpgsqlParameter<string> { TypedValue = orgUnit } },
                },
                new NpgsqlBatchCommand("SELECT EXISTS (SELECT 1 FROM data_value_ledger WHERE batch_id = $1 AND org_unit = $2)")
                {
                    Parameters = { new NpgsqlParameter<Guid> { TypedValue = batch }, new NpgsqlParameter<string> { TypedValue = orgUnit } },
                },
            },
        })
        {
            await using var reader = await check.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetBoolean(0))
            {
                return; // recorded by the attempt that crashed after committing it; the transaction only held the lock
            }
        }
        await using (var writer = await connection.BeginBinaryImportAsync(Copy, cancellationToken))
        {
            foreach (var e in entries)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(e.BatchId, NpgsqlDbType.Uuid, cancellationToken);
                await writer.WriteAsync(e.Principal, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(e.RecordedAt.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(e.OrgUnit, NpgsqlDbType.Char, cancellationToken);
                await writer.WriteAsync(e.Indicator, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(e.Year, NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteAsync(e.Disaggregation, NpgsqlDbType.Text, cancellationToken);
                await Number(writer, e.Old?.Numerator, cancellationToken);
                await Number(writer, e.Old?.Denominator, cancellationToken);
                await Number(writer, e.Old?.Value, cancellationToken);
                await Number(writer, e.New.Numerator, cancellationToken);
                await Number(writer, e.New.Denominator, cancellationToken);
                await Number(writer, e.New.Value, cancellationToken);
                if (e.New.Department is { } department)
                {
                    await writer.WriteAsync(department, NpgsqlDbType.Text, cancellationToken);
                }
                else
                {
                    await writer.WriteNullAsync(cancellationToken);
                }
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static Task Number(NpgsqlBinaryImporter writer, decimal? value, CancellationToken cancellationToken) =>
        value is { } v ? writer.WriteAsync(v, NpgsqlDbType.Numeric, cancellationToken) : writer.WriteNullAsync(cancellationToken);
}
