using OrleansPlans.Gateway.Apis;

namespace OrleansPlans.Api.Tests;

/// <summary>Shared version reads never answer a caller with a read that started before it arrived, or more than the reuse window before.</summary>
public sealed class CoalescedReadTests
{
    [Fact]
    public async Task Callers_arriving_during_a_read_share_the_next_one_and_never_get_an_older_answer()
    {
        var (started, pending) = PendingReads();
        var read = new CoalescedRead<int>(pending);

        var a = read.ReadAsync();                       // starts read 1
        var b = read.ReadAsync();                       // arrives during read 1: waits for read 2
        var c = read.ReadAsync();                       // likewise, shares read 2
        Assert.Single(started);
        Assert.False(b.IsCompleted);

        started[0].SetResult(1);                        // e.g. the version before a write acknowledged meanwhile
        Assert.Equal(1, await a);
        await WaitUntil(() => started.Count == 2);      // read 2 starts only now, after b and c arrived
        Assert.False(b.IsCompleted);
        var d = read.ReadAsync();                       // arrives during read 2: waits for read 3
        started[1].SetResult(2);
        Assert.Equal((2, 2), (await b, await c));
        await WaitUntil(() => started.Count == 3);
        started[2].SetException(new TimeoutException("silo unreachable"));
        await Assert.ThrowsAsync<TimeoutException>(() => d);

        // Idle again: the next caller starts a read of its own at once.
        var e = read.ReadAsync();
        Assert.Equal(4, started.Count);
        started[3].SetResult(4);
        Assert.Equal(4, await e);
        Assert.Equal(4, read.Reads);
    }

    [Fact]
    public async Task Many_concurrent_callers_cost_a_few_reads_and_each_sees_a_value_from_after_its_arrival()
    {
        var counter = 0;
        var read = new CoalescedRead<int>(async () =>
        {
            var value = Interlocked.Increment(ref counter);  // the "version" when the read starts
            await Task.Delay(2);
            return value;
        });
        var results = await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => Task.Run(async () =>
        {
            var atArrival = Volatile.Read(ref counter);
            return (AtArrival: atArrival, Seen: await read.ReadAsync());
        })));
        Assert.All(results, r => Assert.True(r.Seen > r.AtArrival, $"answered {r.Seen}, but {r.AtArrival} reads had started before the caller arrived"));
        Assert.True(read.Reads < 500, $"{read.Reads} reads for 500 callers");
    }

    [Fact]
    public async Task With_a_reuse_window_an_answer_is_reused_while_its_read_started_within_the_window_and_never_after()
    {
        var (time, calls, read) = await AnsweredOnceAtTimeZero();

        time.Advance(TimeSpan.FromMilliseconds(5));      // half the window: reused, nothing started
        Assert.Equal(1, await read.ReadAsync());
        Assert.Equal(1, read.Reads);
        time.Advance(TimeSpan.FromMilliseconds(6));      // 11 ms: a caller now needs a read of its own
        var second = read.ReadAsync();
        Assert.False(second.IsCompleted);
        Assert.Equal(2, read.Reads);
        calls[1].SetResult(2);
        Assert.Equal(2, await second);
        Assert.Equal(2, await read.ReadAsync());
        Assert.Equal(2, read.Reads);

        read.Forget();                                   // e.g. a push through this gateway: the next caller reads afresh
        var third = read.ReadAsync();
        Assert.False(third.IsCompleted);
        calls[2].SetResult(3);
        Assert.Equal(3, await third);
        Assert.Equal(3, read.Reads);
    }

    [Fact]
    public async Task Past_half_the_window_the_next_read_starts_ahead_and_callers_share_it_when_the_answer_expires()
    {
        var (time, calls, read) = await AnsweredOnceAtTimeZero();

        time.Advance(TimeSpan.FromMilliseconds(6));      // past half the window: answered at once, read 2 starts (t = 6 ms)
        Assert.Equal(1, await read.ReadAsync());
        Assert.Equal(2, read.Reads);
        Assert.Equal(1, await read.ReadAsync());         // read 2 runs: still the reusable answer, no third read
        Assert.Equal(2, read.Reads);

        time.Advance(TimeSpan.FromMilliseconds(5));      // t = 11 ms: answer 1 expired; read 2 started 5 ms ago
        var shared = read.ReadAsync();
        Assert.False(shared.IsCompleted);                // shares read 2 instead of waiting for a read after it
        Assert.Equal(2, read.Reads);
        calls[1].SetResult(2);
        Assert.Equal(2, await shared);
        Assert.Equal(2, await read.ReadAsync());
        Assert.Equal(2, read.Reads);
    }

    [Fact]
    public async Task A_running_read_that_started_longer_ago_than_the_window_is_not_shared()
    {
        var (time, calls, read) = await AnsweredOnceAtTimeZero();

        time.Advance(TimeSpan.FromMilliseconds(6));      // read 2 starts ahead at t = 6 ms and hangs
        Assert.Equal(1, await read.ReadAsync());
        time.Advance(TimeSpan.FromMilliseconds(11));     // t = 17 ms: read 2 started 11 ms ago
        var late = read.ReadAsync();
        await AssertAnsweredOnlyByTheReadAfter(calls, 1, late);   // read 2's answer may predate a write made before this caller arrived
    }

    [Fact]
    public async Task A_read_started_ahead_is_not_shared_after_a_forget_and_its_failure_leaves_the_reusable_answer()
    {
        var (time, calls, read) = await AnsweredOnceAtTimeZero();

        time.Advance(TimeSpan.FromMilliseconds(6));      // read 2 starts ahead, then fails with no caller waiting for it
        Assert.Equal(1, await read.ReadAsync());
        calls[1].SetException(new TimeoutException("silo unreachable"));
        // Answer 1 is still within its window: served at once, and once read 2 has ended a caller starts read 3 ahead.
        await WaitUntil(() =>
        {
            var answer = read.ReadAsync();
            return answer.IsCompletedSuccessfully && answer.Result == 1 && read.Reads == 3;
        });

        read.Forget();                                   // a write through this gateway while read 3 runs
        var afterWrite = read.ReadAsync();
        await AssertAnsweredOnlyByTheReadAfter(calls, 2, afterWrite);   // read 3 may predate the write: not for this caller
    }

    [Fact]
    public async Task A_read_that_was_running_when_its_answer_was_forgotten_is_not_offered_for_reuse()
    {
        var time = new ManualTime();
        var (calls, pending) = PendingReads();
        var read = new CoalescedRead<int>(pending, TimeSpan.FromSeconds(1), time);

        var before = read.ReadAsync();                   // read 1 starts, then a write lands and is forgotten
        read.Forget();
        calls[0].SetResult(1);                           // read 1 may predate the write
        Assert.Equal(1, await before);                   // its own caller arrived before the write: fine
        var after = read.ReadAsync();                    // but a caller after the write must not get it
        await WaitUntil(() => calls.Count == 2);
        calls[1].SetResult(2);
        Assert.Equal(2, await after);
    }

    [Fact]
    public async Task Without_a_reuse_window_a_completed_answer_is_never_reused()
    {
        var reads = 0;
        var read = new CoalescedRead<int>(() => Task.FromResult(Interlocked.Increment(ref reads)));
        Assert.Equal(1, await read.ReadAsync());
        Assert.Equal(2, await read.ReadAsync());
        Assert.Equal(3, await read.ReadAsync());
    }

    /// <summary>
    /// Completes the running call <paramref name="running"/> (answering running + 1) and checks that the caller does not
    /// get it but waits for the call after it, which answers running + 2.
    /// </summary>
    private static async Task AssertAnsweredOnlyByTheReadAfter(List<TaskCompletionSource<int>> calls, int running, Task<int> caller)
    {
        calls[running].SetResult(running + 1);
        await WaitUntil(() => calls.Count == running + 2);
        Assert.False(caller.IsCompleted);
        calls[running + 1].SetResult(running + 2);
        Assert.Equal(running + 2, await caller);
    }

    /// <summary>A shared read with a 10 ms reuse window whose first read (call 0) answered 1 at t = 0.</summary>
    private static async Task<(ManualTime Time, List<TaskCompletionSource<int>> Calls, CoalescedRead<int> Read)> AnsweredOnceAtTimeZero()
    {
        var time = new ManualTime();
        var (calls, pending) = PendingReads();
        var read = new CoalescedRead<int>(pending, TimeSpan.FromMilliseconds(10), time);
        var first = read.ReadAsync();
        calls[0].SetResult(1);
        Assert.Equal(1, await first);
        return (time, calls, read);
    }

    /// <summary>A read whose every call stays pending until the test completes it (the calls, in the order they started).</summary>
    private static (List<TaskCompletionSource<int>> Calls, Func<Task<int>> Read) PendingReads()
    {
        var calls = new List<TaskCompletionSource<int>>();
        return (calls, () =>
        {
            var call = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (calls)
            {
                calls.Add(call);
            }
            return call.Task;
        });
    }

    /// <summary>Waits (at most ~5 s) until a condition another thread makes true holds; shared by the coalescing tests.</summary>
    internal static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
        Assert.True(condition());
    }
}
