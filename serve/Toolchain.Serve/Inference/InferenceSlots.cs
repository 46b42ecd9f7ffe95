using System.Threading.RateLimiting;

namespace Toolchain.Serve.Inference;

/// <summary>
/// Bounds the infer requests in progress: at most <c>concurrency</c> hold a slot (reading, validating and running),
/// at most <c>queue</c> more wait for one, first come first served, each for a bounded time. A request that finds
/// the queue full, or waits too long, gets no slot and is answered 503 with Retry-After, so load beyond capacity
/// is shed instead of piling up memory and latency.
/// </summary>
public sealed class InferenceSlots : IDisposable
{
    private readonly ConcurrencyLimiter limiter;

    public InferenceSlots(int concurrency, int queue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        Concurrency = concurrency;
        limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = concurrency,
            QueueLimit = queue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public int Concurrency { get; }

    /// <summary>Requests holding a slot now.</summary>
    public long InUse => Concurrency - (limiter.GetStatistics()?.CurrentAvailablePermits ?? Concurrency);

    /// <summary>Requests waiting for a slot now.</summary>
    public long Waiting => limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>
    /// Waits at most <paramref name="wait"/> for a slot. Gives the slot (dispose it to free it), or null and why:
    /// <see cref="Refusal.QueueFull"/> at once when the queue is full, <see cref="Refusal.WaitedTooLong"/> when the
    /// wait ran out. Throws <see cref="OperationCanceledException"/> only when <paramref name="cancel"/> fires.
    /// </summary>
    public async ValueTask<(IDisposable? Slot, Refusal Refusal)> EnterAsync(TimeSpan wait, CancellationToken cancel)
    {
        // A free slot needs no wait, so no timer and no linked token either (the common case under normal load).
        var free = limiter.AttemptAcquire(1);
        if (free.IsAcquired) return (free, Refusal.None);
        free.Dispose();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(wait);
        RateLimitLease lease;
        try
        {
            lease = await limiter.AcquireAsync(1, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return (null, Refusal.WaitedTooLong);
        }
        if (lease.IsAcquired) return (lease, Refusal.None);
        lease.Dispose();
        return (null, Refusal.QueueFull);
    }

    public enum Refusal
    {
        None,
        QueueFull,
        WaitedTooLong,
    }

    public void Dispose() => limiter.Dispose();
}
