using System.Collections.Concurrent;

namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// One <see cref="CoalescedRead{T}"/> without reuse per key: callers asking for the same key at the same time share
/// reads, one runs at a time per key, and each answer comes from a read that started after its caller arrived. A key
/// keeps the read delegate of its first caller, so a key must name everything its read depends on. Beyond
/// <paramref name="capacity"/> keys the map starts again empty (reads in flight finish for the callers holding them).
/// </summary>
public sealed class CoalescedReadMap(int capacity)
{
    private readonly ConcurrentDictionary<string, object> _reads = new(StringComparer.Ordinal);

    public Task<T> ReadAsync<T>(string key, Func<Task<T>> read)
    {
        if (_reads.Count >= capacity)
        {
            _reads.Clear();
        }
        return ((CoalescedRead<T>)_reads.GetOrAdd(key, static (_, read) => new CoalescedRead<T>(read), read)).ReadAsync();
    }
}
