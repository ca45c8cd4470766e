using Npgsql;

namespace OrleansPlans.Silo.Hosting;

/// <summary>
/// Appends a push's ledger entries as one <c>data_value_ledger_push</c> row per (batch, org unit), the entries' fields
/// as parallel arrays (db/migrations/0011); <c>data_value_ledger_entries</c> shows them one row per value.
/// </summary>
/// <remarks>
/// One row per push instead of one per value: the per-value COPY was half of PostgreSQL's CPU during a reporting
/// deadline (three index entries per value) and a tenth of the silo's (docs/benchmarks.md, session 9). Idempotency is
/// per push: the unique (batch_id, org_unit) makes a replay (a county finishing a recorded push after a crash) and a
/// racing duplicate (two activations during a partition) insert nothing, and the statement also skips a push an
/// earlier version of the silo recorded row by row in <c>data_value_ledger</c>. The pushes of one call are written in
/// one round trip and one implicit transaction: all or none.
/// </remarks>
public sealed class PostgresDataValueLedger(NpgsqlDataSource dataSource) : IDataValueLedger
{
    private const string Insert = """
        INSERT INTO data_value_ledger_push (batch_id, org_unit, principal, recorded_at, indicators, years, disaggregations,
            old_numerators, old_denominators, old_values, new_numerators, new_denominators, new_values, departments)
        SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
         WHERE NOT EXISTS (SELECT 1 FROM data_value_ledger l WHERE l.batch_id = $1 AND l.org_unit = $2)
        ON CONFLICT (batch_id, org_unit) DO NOTHING
        """;

    public async Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0)
        {
            return;
        }
        await using var batch = dataSource.CreateBatch();
        foreach (var push in entries.GroupBy(e => (e.BatchId, e.OrgUnit)))
        {
            batch.BatchCommands.Add(PushRow(push.Key.BatchId, push.Key.OrgUnit, [.. push]));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand PushRow(Guid batchId, string orgUnit, LedgerEntry[] entries)
    {
        var first = entries[0];
        // One push has one principal and one time (the county's batch); a row holds them once.
        if (entries.Any(e => e.Principal != first.Principal || e.RecordedAt != first.RecordedAt))
        {
            throw new ArgumentException($"The ledger entries of batch {batchId} at {orgUnit} differ in principal or time.", nameof(entries));
        }
        var count = entries.Length;
        var indicators = new string[count];
        var years = new int[count];
        var disaggregations = new string[count];
        var oldNumerators = new decimal?[count];
        var oldDenominators = new decimal?[count];
        var oldValues = new decimal?[count];
        var newNumerators = new decimal?[count];
        var newDenominators = new decimal?[count];
        var newValues = new decimal?[count];
        var departments = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var e = entries[i];
            indicators[i] = e.Indicator;
            years[i] = e.Year;
            disaggregations[i] = e.Disaggregation;
            oldNumerators[i] = e.Old?.Numerator;
            oldDenominators[i] = e.Old?.Denominator;
            oldValues[i] = e.Old?.Value;
            newNumerators[i] = e.New.Numerator;
            newDenominators[i] = e.New.Denominator;
            newValues[i] = e.New.Value;
            departments[i] = e.New.Department;
        }
        return new NpgsqlBatchCommand(Insert)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = batchId },
                new NpgsqlParameter<string> { TypedValue = orgUnit },
                new NpgsqlParameter<string> { TypedValue = first.Principal },
                new NpgsqlParameter<DateTime> { TypedValue = first.RecordedAt.UtcDateTime },
                new NpgsqlParameter<string[]> { TypedValue = indicators },
                new NpgsqlParameter<int[]> { TypedValue = years },
                new NpgsqlParameter<string[]> { TypedValue = disaggregations },
                new NpgsqlParameter<decimal?[]> { TypedValue = oldNumerators },
                new NpgsqlParameter<decimal?[]> { TypedValue = oldDenominators },
                new NpgsqlParameter<decimal?[]> { TypedValue = oldValues },
                new NpgsqlParameter<decimal?[]> { TypedValue = newNumerators },
                new NpgsqlParameter<decimal?[]> { TypedValue = newDenominators },
                new NpgsqlParameter<decimal?[]> { TypedValue = newValues },
                new NpgsqlParameter<string?[]> { TypedValue = departments },
            },
        };
    }
}
