using System.Data.Common;
using Orleans.Storage;
using OrleansPlans.Contracts;

namespace OrleansPlans;

/// <summary>
/// Turns storage failures inside a grain call into <see cref="StorageUnavailableException"/>: the driver's own
/// exceptions (e.g. NpgsqlException) have no Orleans codec and would reach the caller as a serialization error.
/// </summary>
public sealed class StorageFaultFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (StorageFault(e) is { } fault)
        {
            // After a failed read or write the activation's state (and ETag) may no longer match storage: a grain that
            // changed its state before the write would otherwise answer later calls from figures that were never
            // stored (a retried push would be acknowledged as "unchanged"). Drop the activation so the next call
            // re-reads storage — what Orleans itself does for InconsistentStateException, which this translation hides.
            context.TargetContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, $"storage fault: {fault.GetType().Name}"));
            throw new StorageUnavailableException($"storage unavailable: {fault.GetType().Name}: {fault.Message}");
        }
    }

    private static Exception? StorageFault(Exception e) => e switch
    {
        StorageUnavailableException => null, // already translated by a callee
        DbException or InconsistentStateException => e,
        AggregateException a => a.InnerExceptions.Select(StorageFault).FirstOrDefault(x => x is not null),
        _ => e.InnerException is null ? null : StorageFault(e.InnerException),
    };
}
