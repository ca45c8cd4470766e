namespace OrleansPlans.Gateway.Security;

/// <summary>Reads the data-value ledger's per-value before/after of given batches (for the audit query).</summary>
public interface IDataValueLedgerReader
{
    Task<IReadOnlyList<LedgerEntry>> ReadBatchesAsync(IReadOnlyCollection<Guid> batches, CancellationToken cancellationToken = default);
}

/// <summary>Embedded mode: the co-hosted silo's in-memory ledger.</summary>
public sealed class InMemoryLedgerReader(IDataValueLedger ledger) : IDataValueLedgerReader
{
    public Task<IReadOnlyList<LedgerEntry>> ReadBatchesAsync(IReadOnlyCollection<Guid> batches, CancellationToken cancellationToken = default)
    {
        var wanted = batches.ToHashSet();
        IReadOnlyList<LedgerEntry> entries = ledger is InMemoryDataValueLedger memory ? [.. memory.Entries.Where(e => wanted.Contains(e.BatchId))] : [];
        return Task.FromResult(entries);
    }
}
