using System.Collections.Concurrent;
using System.Text.Json;

namespace OrleansPlans.Gateway.Security;

/// <summary>
/// One write as the audit trail records it: who, when, what action, at which org unit, on what, and the state
/// before and after (JSON). Data-value pushes carry the batch id; their per-value before/after is in the
/// append-only data-value ledger under the same batch id, joined in when the trail is read.
/// </summary>
public sealed record AuditRecord(
    DateTimeOffset At, string Principal, string Action, string? OrgUnit, string? Target, string? Before, string? After, Guid? BatchId = null);

/// <summary>A stored audit record with its sequence number.</summary>
public sealed record AuditEntry(long Id, AuditRecord Record);

public sealed record AuditQuery(IReadOnlyCollection<string>? OrgUnits, string? Principal, DateTimeOffset? From, DateTimeOffset? To, string? Action, long? BeforeId, int Limit);

/// <summary>The append-only audit trail: entries can be added and read, never changed or removed.</summary>
public interface IAuditLog
{
    Task AppendAsync(AuditRecord record, CancellationToken cancellationToken = default);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Audit actions recorded by the gateway (other writes add theirs in the same dotted form).</summary>
public static class AuditActions
{
    public const string DataValuesPush = "data-values.push";
    public const string ApiKeyIssue = "api-key.issue";
    public const string ApiKeyRevoke = "api-key.revoke";
    public const string RoleAssignmentSet = "role-assignment.set";
    public const string RoleAssignmentRemove = "role-assignment.remove";

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, Options);

    private static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions();
        Extensions.ApiExtensions.Configure(options);
        return options;
    }
}

/// <summary>The embedded mode's audit trail: in memory (bounded), lost on restart like the rest of embedded state.</summary>
public sealed class InMemoryAuditLog : IAuditLog
{
    public const int Capacity = 200_000;
    private readonly ConcurrentQueue<AuditEntry> _entries = new();
    private long _next;

    public Task AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        _entries.Enqueue(new AuditEntry(Interlocked.Increment(ref _next), record));
        while (_entries.Count > Capacity && _entries.TryDequeue(out _))
        {
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        var units = query.OrgUnits is null ? null : query.OrgUnits as ISet<string> ?? query.OrgUnits.ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<AuditEntry> result = [.. _entries.Reverse()
            .Where(e => query.BeforeId is null || e.Id < query.BeforeId)
            .Where(e => units is null || (e.Record.OrgUnit is not null && units.Contains(e.Record.OrgUnit)))
            .Where(e => query.Principal is null || e.Record.Principal == query.Principal)
            .Where(e => query.Action is null || e.Record.Action == query.Action)
            .Where(e => query.From is null || e.Record.At >= query.From)
            .Where(e => query.To is null || e.Record.At < query.To)
            .Take(query.Limit)];
        return Task.FromResult(result);
    }
}

/// <summary>A subject's role as granted by an administrator (for tokens from an IdP that carry no role claims).</summary>
public sealed record RoleAssignment(string Subject, string Role, string OrgUnit, string? Department, DateTimeOffset AssignedAt, string AssignedBy);

public interface IRoleAssignmentStore
{
    Task<RoleAssignment?> FindAsync(string subject, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RoleAssignment>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets (or replaces) a subject's assignment and records the audit entry with it.</summary>
    Task SetAsync(RoleAssignment assignment, AuditRecord audit, CancellationToken cancellationToken = default);

    Task<bool> RemoveAsync(string subject, AuditRecord audit, CancellationToken cancellationToken = default);
}

public sealed class InMemoryRoleAssignmentStore(IAuditLog audit) : IRoleAssignmentStore
{
    private readonly ConcurrentDictionary<string, RoleAssignment> _assignments = new(StringComparer.Ordinal);

    public Task<RoleAssignment?> FindAsync(string subject, CancellationToken cancellationToken = default) => Task.FromResult(_assignments.GetValueOrDefault(subject));

    public Task<IReadOnlyList<RoleAssignment>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RoleAssignment>>([.. _assignments.Values.OrderBy(a => a.Subject, StringComparer.Ordinal)]);

    public async Task SetAsync(RoleAssignment assignment, AuditRecord record, CancellationToken cancellationToken = default)
    {
        _assignments[assignment.Subject] = assignment;
        await audit.AppendAsync(record, cancellationToken);
    }

    public async Task<bool> RemoveAsync(string subject, AuditRecord record, CancellationToken cancellationToken = default)
    {
        if (!_assignments.TryRemove(subject, out _))
        {
            return false;
        }
        await audit.AppendAsync(record, cancellationToken);
        return true;
    }
}
