using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace OrleansPlans.Gateway.Apis;

/// <summary>Limits of <see cref="PushAdmission"/> (section <c>OrleansPlans:Pushes</c>).</summary>
public sealed class PushAdmissionOptions
{
    /// <summary>
    /// Pushes this gateway sends into the cluster at once. 16 concurrent county clients already keep a 2-core silo busy
    /// (docs/benchmarks.md); more in flight only lengthen the silo's queues, and the committee's reads wait in them.
    /// </summary>
    public int MaxConcurrent { get; set; } = 32;

    /// <summary>Pushes that may wait here for a slot; one more is answered 503 with Retry-After instead of queueing.</summary>
    public int MaxWaiting { get; set; } = 4096;
}

/// <summary>
/// Admission of county pushes into the cluster: at most <see cref="PushAdmissionOptions.MaxConcurrent"/> at a time per
/// gateway, the others wait here in arrival order (they are parsed and validated already, so a bad batch is answered at
/// once). At a reporting deadline hundreds of county systems push together; without this every one of them became work
/// queued in the silo, and the province roll-up the committee reads (served by the same silo) waited behind it: with 512
/// clients pushing all of China a read took ~1 s at the median and up to 3.7 s (docs/benchmarks.md, session 15).
/// Reads are never held here.
/// </summary>
public sealed class PushAdmission
{
    private static readonly Meter Meter = new(PlansMetrics.MeterName, "1.0");
    private static readonly Counter<long> Refused = Meter.CreateCounter<long>("orleansplans.pushes.refused", "{push}", "Pushes answered 503 because too many were waiting at this gateway");

    /// <summary>Every live instance (one per gateway; several in a test process), observed by the gauge below.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<PushAdmission, object> Instances = new();

    private static readonly ObservableGauge<int> Admitted = Meter.CreateObservableGauge("orleansplans.pushes.admission", Observe, "{push}",
        "Pushes this gateway has in the cluster (state=in_flight) and holds back (state=waiting)");

    private readonly int _maxWaiting;
    private readonly SemaphoreSlim _slots;
    private int _waiting;
    private int _inFlight;

    public PushAdmission(IOptions<PushAdmissionOptions> options)
    {
        _maxWaiting = Math.Max(0, options.Value.MaxWaiting);
        _slots = new SemaphoreSlim(Math.Max(1, options.Value.MaxConcurrent));
        Instances.AddOrUpdate(this, Meter);
    }

    private static IEnumerable<Measurement<int>> Observe()
    {
        var (inFlight, waiting) = (0, 0);
        foreach (var (admission, _) in Instances)
        {
            var (i, w) = admission.Count();
            (inFlight, waiting) = (inFlight + i, waiting + w);
        }
        return [new(inFlight, new KeyValuePair<string, object?>("state", "in_flight")), new(waiting, new KeyValuePair<string, object?>("state", "waiting"))];
    }

    /// <summary>Pushes in the cluster now, and waiting here (for /metrics).</summary>
    public (int InFlight, int Waiting) Count() => (Volatile.Read(ref _inFlight), Volatile.Read(ref _waiting));

    /// <summary>
    /// Waits for a slot; null when <see cref="PushAdmissionOptions.MaxWaiting"/> pushes are waiting already (the caller
    /// answers 503 with Retry-After). Dispose the lease when the push has been answered by the cluster.
    /// </summary>
    public async ValueTask<Lease?> EnterAsync(CancellationToken cancellationToken)
    {
        if (!_slots.Wait(0))
        {
            if (Interlocked.Increment(ref _waiting) > _maxWaiting)
            {
                Interlocked.Decrement(ref _waiting);
                Refused.Add(1);
                return null;
            }
            try
            {
                await _slots.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
        Interlocked.Increment(ref _inFlight);
        return new Lease(this);
    }

    public sealed class Lease(PushAdmission admission) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref admission._inFlight);
                admission._slots.Release();
            }
        }
    }
}
