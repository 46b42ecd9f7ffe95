using System.Diagnostics;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Inference;

/// <summary>
/// One validated request waiting in a <see cref="DynamicBatcher"/>: its inputs, the outputs it wants, and the
/// promise of its slice of the batch's outputs. The scheduler fills in how long it waited and how big its batch was.
/// </summary>
public sealed class BatchItem(ValidatedRequest request, CancellationToken cancel)
{
    private readonly TaskCompletionSource<IReadOnlyList<OutputTensor>> completion =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValidatedRequest Request { get; } = request;

    /// <summary>Fires when the client goes away or its deadline passes: the item is dropped before its batch runs.</summary>
    public CancellationToken Cancel { get; } = cancel;

    /// <summary>Rows this request adds to a batch: the first dimension of its inputs.</summary>
    public long Rows { get; } = request.Inputs[0].Shape[0];

    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>Time from enqueue until the batch started; set by the scheduler.</summary>
    public TimeSpan QueueTime { get; internal set; }

    /// <summary>Rows of the batch this item ran in; set by the scheduler.</summary>
    public long BatchRows { get; internal set; }

    /// <summary>True for the first item of its batch, so per-batch metrics are counted once.</summary>
    public bool FirstInBatch { get; internal set; }

    public Task<IReadOnlyList<OutputTensor>> Result => completion.Task;

    /// <summary>Whether another request can share a batch with this one: same outputs, same shapes past the batch dimension.</summary>
    public bool CanJoin(BatchItem other)
    {
        var (a, b) = (Request, other.Request);
        if (a.Outputs.Count != b.Outputs.Count) return false;
        for (int i = 0; i < a.Outputs.Count; i++)
            if (a.Outputs[i].Name != b.Outputs[i].Name) return false;
        for (int i = 0; i < a.Inputs.Count; i++)
            if (!a.Inputs[i].Shape.AsSpan(1).SequenceEqual(b.Inputs[i].Shape.AsSpan(1))) return false;
        return true;
    }

    internal void Complete(IReadOnlyList<OutputTensor> outputs) => completion.TrySetResult(outputs);

    internal void Fail(Exception error) => completion.TrySetException(error);

    internal void Cancelled() => completion.TrySetCanceled(Cancel);
}
