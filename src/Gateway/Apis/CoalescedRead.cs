namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// Concurrent callers of one read share it, and no caller gets an answer from a read that started more than
/// <c>reuse</c> before its arrival. A caller that finds a completed read started within that window gets its answer at
/// once; a caller that finds a read running that started within the window shares it; otherwise a caller that arrives
/// while no read runs starts one, and callers that arrive while one runs wait for the next, which starts when the
/// running one ends, and share it. With <c>reuse</c> zero each answer comes from a read that began after the caller
/// asked — a write acknowledged before the request is always seen — and N concurrent callers cost at most two reads,
/// not N.
/// </summary>
/// <remarks>
/// <para>Used for the roll-up version check of the gateway's response cache (<see cref="RollupGrains"/>): with many
/// dashboards open on a province, every request used to send its own version call to the province grain, and at
/// thousands of requests per second that call was a third of the read path's cost. <see cref="Forget"/> drops the
/// reusable answer, for a write this process has just made.</para>
/// <para>With a reuse window the next read starts ahead: the first caller that gets an answer older than half the
/// window starts a read in the background, so callers go on getting the reusable answer while it runs and, when that
/// answer expires, share a read that has mostly run already. Without it, every window ended with callers waiting a
/// whole call — two, for those arriving during a running one: 13–20 % of the benchmark's roll-up requests waited,
/// 1–2 ms each, more with the province grain behind another silo (docs/benchmarks.md, session 20). The window's bound
/// is unchanged: the answer a caller gets still comes from a read that started at most <c>reuse</c> before it arrived.
/// It costs at most one read per half window while callers keep coming, none when they stop.</para>
/// </remarks>
public sealed class CoalescedRead<T>(Func<Task<T>> read, TimeSpan reuse = default, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private long _reads;

    // The running read: its callers, when it started (TimeProvider timestamp), and whether a caller arriving now may
    // share it (not after a Forget(), which may be for a write it did not see). _next: callers waiting for the read after it.
    private bool _running;
    private TaskCompletionSource<T>? _current;
    private long _currentStarted;
    private bool _currentShareable;
    private TaskCompletionSource<T>? _next;

    // The latest successful read: when it started and its answer.
    private long _lastStarted;
    private Task<T>? _last;
    private long _forgets;

    /// <summary>Reads started so far (for tests and diagnostics).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public Task<T> ReadAsync()
    {
        TaskCompletionSource<T> started;
        Task<T>? answer = null;
        lock (_gate)
        {
            if (_last is not null && reuse > TimeSpan.Zero && _time.GetElapsedTime(_lastStarted) is var age && age <= reuse)
            {
                if (_running || age <= reuse / 2)
                {
                    return _last;
                }
                answer = _last;                  // and start the next read ahead, below
            }
            else if (_running)
            {
                if (reuse > TimeSpan.Zero && _currentShareable && _time.GetElapsedTime(_currentStarted) <= reuse)
                {
                    return _current!.Task;
                }
                _next ??= new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _next.Task;
            }
            started = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            BeginLocked(started);
        }
        _ = RunAsync(started);
        return answer ?? started.Task;
    }

    /// <summary>The next caller starts a read of its own (or waits for the next one) instead of reusing an answer.</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _last = null;
            _currentShareable = false;
            _forgets++;
        }
    }

    private void BeginLocked(TaskCompletionSource<T> callers)
    {
        _running = true;
        _current = callers;
        _currentStarted = _time.GetTimestamp();
        _currentShareable = true;
    }

    private async Task RunAsync(TaskCompletionSource<T> callers)
    {
        while (true)
        {
            Interlocked.Increment(ref _reads);
            long started, forgottenBefore;
            lock (_gate)
            {
                (started, forgottenBefore) = (_currentStarted, _forgets);
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
                // A read started ahead may have no caller yet; its failure is theirs to see, not the finalizer's.
                _ = callers.Task.Exception;
            }
            lock (_gate)
            {
                if (_next is null)
                {
                    (_running, _current) = (false, null);
                    return;
                }
                callers = _next;
                _next = null;
                BeginLocked(callers);
            }
        }
    }
}
