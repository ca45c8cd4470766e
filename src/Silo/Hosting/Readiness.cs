namespace OrleansPlans.Silo.Hosting;

/// <summary>Whether the host is ready for traffic (silo started and, in embedded mode, the demo loaded).</summary>
public sealed class Readiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public Task WhenReady => _ready.Task;

    public void MarkReady() => _ready.TrySetResult();
}
