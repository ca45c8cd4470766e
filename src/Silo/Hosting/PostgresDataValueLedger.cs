using Npgsql;
using NpgsqlTypes;

namespace OrleansPlans.Silo.Hosting;

/// <summary>
/// Appends ledger entries to <c>data_value_ledger</c> in one statement per push (arrays unnested server-side), so a
/// county's year of figures is one round trip, and a replayed batch adds nothing (ON CONFLICT DO NOTHING).
/// </summary>
public sealed class PostgresDataValueLedger(NpgsqlDataSource dataSource) : IDataValueLedger
{
    private const string Sql = """
        INSERT INTO data_value_ledger (batch_id, principal, recorded_at, org_unit, indicator, year, disaggregation,
            old_numerator, old_denominator, old_value, new_numerator, new_denominator, new_value, department)
        SELECT * FROM unnest(@batch, @principal, @at, @org, @indicator, @year, @dis, @on, @od, @ov, @nn, @nd, @nv, @dept)
        ON CONFLICT (batch_id, org_unit, indicator, year, disaggregation) DO NOTHING
        """;

    public async Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0)
        {
            return;
        }
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("batch", [.. entries.Select(e => e.BatchId)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("principal", [.. entries.Select(e => e.Principal)]));
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("at", [.. entries.Select(e => e.RecordedAt.UtcDateTime)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string[]>("org", [.. entries.Select(e => e.OrgUnit)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("indicator", [.. entries.Select(e => e.Indicator)]));
        command.Parameters.Add(new NpgsqlParameter<int[]>("year", [.. entries.Select(e => e.Year)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("dis", [.. entries.Select(e => e.Disaggregation)]));
        command.Parameters.Add(Numbers("on", entries.Select(e => e.Old?.Numerator)));
        command.Parameters.Add(Numbers("od", entries.Select(e => e.Old?.Denominator)));
        command.Parameters.Add(Numbers("ov", entries.Select(e => e.Old?.Value)));
        command.Parameters.Add(Numbers("nn", entries.Select(e => e.New.Numerator)));
        command.Parameters.Add(Numbers("nd", entries.Select(e => e.New.Denominator)));
        command.Parameters.Add(Numbers("nv", entries.Select(e => e.New.Value)));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("dept", [.. entries.Select(e => e.New.Department)]));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter<decimal?[]> Numbers(string name, IEnumerable<decimal?> values) =>
        new(name, [.. values]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric };
}
