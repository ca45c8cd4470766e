namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// Concurrent callers of one read share it, and no caller gets an answer from a read that started more than
/// <c>reuse</c> before its arrival. A caller that finds a completed read started within that window gets its answer at
/// once; otherwise a caller that arrives while no read runs starts one, and callers that arrive while one runs wait for
/// the next, which starts when the running one ends, and share it. With <c>reuse</c> zero each answer comes from a read
/// that began after the caller asked — a write acknowledged before the request is always seen — and N concurrent
/// callers cost at most two reads, not N.
/// </summary>
/// <remarks>
/// Used for the roll-up version check of the gateway's response cache (<see cref="RollupGrains"/>): with many
/// dashboards open on a province, every request used to send its own version call to the province grain, and at
/// thousands of requests per second that call was a third of the read path's cost. <see cref="Forget"/> drops the
/// reusable answer, for a write this process has just made.
/// </remarks>
public sealed class CoalescedRead<T>(Func<Task<T>> read, TimeSpan reuse = default, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private bool _running;
    private TaskCompletionSource<T>? _next;
    private long _reads;

    // The latest successful read: when it started (TimeProvider timestamp) and its answer.
    private long _lastStarted;
    private Task<T>? _last;
    private long _forgets;

    /// <summary>Reads started so far (for tests and diagnostics).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public Task<T> ReadAsync()
    {
        lock (_gate)
        {
            if (_last is not null && reuse > TimeSpan.Zero && _time.GetElapsedTime(_lastStarted) <= reuse)
            {
                return _last;
            }
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

    /// <summary>The next caller starts a read of its own (or waits for the next one) instead of reusing an answer.</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _last = null;
            _forgets++;
        }
    }

    private async Task RunAsync(TaskCompletionSource<T> callers)
    {
        while (true)
        {
            Interlocked.Increment(ref _reads);
            var started = _time.GetTimestamp();
            long forgottenBefore;
            lock (_gate)
            {
                forgottenBefore = _forgets;
            }
            try
            {
                var value = await read();
                lock (_gate)
                {
                    // A Forget() while this read ran may be for a write it did not see: do not offer it for reuse.
                    if (forgottenBefore == _forgets)
                    {
                        (_lastStarted, _last) = (started, Task.FromResult(value));
                    }
                }
                callers.TrySetResult(value);
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
