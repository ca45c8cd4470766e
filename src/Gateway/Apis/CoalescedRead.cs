namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// Concurrent callers of one read share it, without ever getting an answer older than their own arrival: a caller that
/// arrives while no read runs starts one; callers that arrive while one runs wait for the next, which starts when the
/// running one ends, and share it. So each answer comes from a read that began after the caller asked — a write
/// acknowledged before the request is always seen — and N concurrent callers cost at most two reads, not N.
/// </summary>
/// <remarks>
/// Used for the roll-up version check of the gateway's response cache: with many dashboards open on a province, every
/// request used to send its own version call to the province grain.
/// </remarks>
public sealed class CoalescedRead<T>(Func<Task<T>> read)
{
    private readonly Lock _gate = new();
    private bool _running;
    private TaskCompletionSource<T>? _next;
    private long _reads;

    /// <summary>Reads started so far (for tests and diagnostics).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public Task<T> ReadAsync()
    {
        lock (_gate)
        {
            if (_running)
            {
                _next ??= new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _next.Task;
            }
            _running = true;
        }
        var callers = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = RunAsync(callers);
        return callers.Task;
    }

    private async Task RunAsync(TaskCompletionSource<T> callers)
    {
        while (true)
        {
            Interlocked.Increment(ref _reads);
            try
            {
                callers.TrySetResult(await read());
            }
            catch (Exception e)
            {
                callers.TrySetException(e);
            }
            lock (_gate)
            {
                if (_next is null)
                {
                    _running = false;
                    return;
                }
                callers = _next;
                _next = null;
            }
        }
    }
}
