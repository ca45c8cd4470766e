namespace OrleansPlans.Silo.Hosting.Storage;

/// <summary>A request waiting in a <see cref="GroupCommitQueue{T}"/>; completed by the flush that carries it.</summary>
internal interface IQueuedRequest
{
    /// <summary>Requests with the same key never travel in the same flush (null: no restriction).</summary>
    string? Key { get; }

    bool TryFail(Exception exception);
}

/// <summary>
/// Group commit: requests queue up while up to <c>maxConcurrentFlushes</c> flushes are in flight; each flush takes
/// everything waiting (up to <c>maxBatchSize</c>, at most one request per key) and handles it in one round trip.
/// Under no load a request is flushed alone and at once; under load the batches grow by themselves. A flush that
/// throws fails every request it carried.
/// </summary>
internal sealed class GroupCommitQueue<T>(Func<List<T>, Task> flush, int maxBatchSize, int maxConcurrentFlushes)
    where T : class, IQueuedRequest
{
    private readonly Lock _lock = new();
    private readonly LinkedList<T> _waiting = new();
    private int _running;

    public void Enqueue(T request)
    {
        var start = false;
        lock (_lock)
        {
            _waiting.AddLast(request);
            if (_running < maxConcurrentFlushes)
            {
                _running++;
                start = true;
            }
        }
        if (start)
        {
            // Off the caller's (grain's) scheduler: the flush loop runs on the thread pool.
            _ = Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            List<T> batch;
            lock (_lock)
            {
                batch = Take();
                if (batch.Count == 0)
                {
                    _running--;
                    return;
                }
            }
            try
            {
                await flush(batch);
            }
            catch (Exception e)
            {
                foreach (var request in batch)
                {
                    request.TryFail(e);
                }
            }
        }
    }

    private List<T> Take()
    {
        var batch = new List<T>(Math.Min(_waiting.Count, maxBatchSize));
        HashSet<string>? keys = null;
        for (var node = _waiting.First; node is not null && batch.Count < maxBatchSize;)
        {
            var next = node.Next;
            if (node.Value.Key is not { } key || (keys ??= new HashSet<string>(StringComparer.Ordinal)).Add(key))
            {
                batch.Add(node.Value);
                _waiting.Remove(node);
            }
            node = next;
        }
        return batch;
    }
}
