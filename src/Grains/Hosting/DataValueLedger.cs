using System.Collections.Concurrent;
using OrleansPlans.Contracts;

namespace OrleansPlans;

/// <summary>One accepted change of a data value, as the append-only ledger records it.</summary>
public sealed record LedgerEntry(
    Guid BatchId,
    string Principal,
    DateTimeOffset RecordedAt,
    string OrgUnit,
    string Indicator,
    int Year,
    string Disaggregation,
    StoredValue? Old,
    DataValueRow New);

/// <summary>
/// The append-only ledger of every accepted data value change (batch, principal, time, org unit, indicator, old and
/// new). Appending is idempotent per (batch, org unit, indicator, year, disaggregation), so a batch replayed after a
/// crash is recorded once.
/// </summary>
public interface IDataValueLedger
{
    Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken = default);
}

/// <summary>The embedded mode's ledger: kept in memory (bounded), lost on restart like the rest of embedded state.</summary>
public sealed class InMemoryDataValueLedger : IDataValueLedger
{
    public const int Capacity = 1_000_000;

    private readonly ConcurrentDictionary<(Guid, string, string, int, string), LedgerEntry> _entries = new();

    public IReadOnlyCollection<LedgerEntry> Entries => [.. _entries.Values];

    public Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        foreach (var e in entries)
        {
            if (_entries.Count >= Capacity)
            {
                break;
            }
            _entries.TryAdd((e.BatchId, e.OrgUnit, e.Indicator, e.Year, e.Disaggregation), e);
        }
        return Task.CompletedTask;
    }
}
