using System.Diagnostics;
using Toolchain.Serve.Protocol;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve.Inference;

/// <summary>
/// Triton's dynamic batcher for one model version. Requests queue here after validation; one scheduler thread
/// forms a batch of up to max_batch_size rows from requests that can share one (<see cref="BatchItem.CanJoin"/>),
/// waiting at most max_queue_delay after the oldest arrived unless the batch already reaches the largest preferred
/// size (or max_batch_size); then it runs the batch as ONE ONNX Runtime run on the scheduler thread, with ONNX Runtime's
/// intra-op threads, and hands each request its rows. While a batch runs, the next one gathers in the queue.
/// A request cancelled while queued is dropped from its batch; one cancelled while its batch runs just stops
/// waiting. A model error fails that batch only. The thread sleeps when the queue is empty.
/// </summary>
public sealed class DynamicBatcher : IDisposable
{
    /// <summary>Requests the queue holds, as a multiple of max_batch_size; beyond it new ones are refused (503).</summary>
    public const int QueueBatches = 4;

    private readonly ModelVersion model;
    private readonly DynamicBatching settings;
    private readonly int maxRows;
    private readonly List<BatchItem> queue = [];
    private long queuedRows;
    private readonly object gate = new();
    private readonly Thread thread;
    private bool stopping;

    public DynamicBatcher(ModelVersion model, DynamicBatching settings, int maxBatchSize)
    {
        this.model = model;
        this.settings = settings;
        maxRows = maxBatchSize;
        thread = new Thread(Schedule) { IsBackground = true, Name = $"batcher {model.Name} v{model.Version}" };
        thread.Start();
    }

    public DynamicBatching Settings => settings;

    /// <summary>
    /// Whether a validated request can be batched: every input has rows along its first dimension, at most
    /// max_batch_size of them (a larger one was refused by validation).
    /// </summary>
    public bool Accepts(ValidatedRequest request) =>
        request.Inputs.Count > 0 && request.Inputs.All(i => i.Shape.Length > 0 && i.Shape[0] == request.Inputs[0].Shape[0]) && request.Inputs[0].Shape[0] > 0;

    /// <summary>Queues the item; false when the queue is full (the caller answers 503).</summary>
    public bool TryEnqueue(BatchItem item)
    {
        lock (gate)
        {
            if (stopping) throw Unloaded("its batcher stopped when the version was unloaded");
            if (queue.Count >= QueueBatches * maxRows) return false;
            queue.Add(item);
            queuedRows += item.Rows;
            if (queue.Count == 1 || queuedRows >= Target) Monitor.Pulse(gate);
        }
        return true;
    }

    /// <summary>Requests waiting now.</summary>
    public int Waiting
    {
        get { lock (gate) return queue.Count; }
    }

    private int Target => settings.LargestPreferred > 0 ? settings.LargestPreferred : maxRows;

    private ObjectDisposedException Unloaded(string why) => new($"model '{model.Name}' version {model.Version}", why);

    private void RemoveAt(int index)
    {
        queuedRows -= queue[index].Rows;
        queue.RemoveAt(index);
    }

    private void Schedule()
    {
        while (true)
        {
            List<BatchItem>? batch;
            lock (gate)
            {
                while (true)
                {
                    if (stopping) return;
                    DropCancelled();
                    if (queue.Count == 0)
                    {
                        Monitor.Wait(gate);
                        continue;
                    }
                    batch = Form(out var waitUntil);
                    if (batch is not null) break;
                    var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), waitUntil);
                    // Monitor.Wait counts whole milliseconds; the last fraction of a sub-millisecond delay is
                    // given up a time slice at a time below, so the threads bringing requests get the cores.
                    if (remaining >= TimeSpan.FromMilliseconds(1))
                    {
                        Monitor.Wait(gate, remaining);
                        continue;
                    }
                    Monitor.Exit(gate);
                    try { Thread.Yield(); } finally { Monitor.Enter(gate); }
                }
            }
            Run(batch);
        }
    }

    private void DropCancelled()
    {
        for (int i = queue.Count - 1; i >= 0; i--)
            if (queue[i].Cancel.IsCancellationRequested)
            {
                queue[i].Cancelled();
                RemoveAt(i);
            }
    }

    /// <summary>
    /// The batch to run now, taken out of the queue, or null and when to look again. Items that can join the oldest
    /// are taken in arrival order up to max_batch_size rows. It goes at once when it reaches the largest preferred
    /// size (cut to the largest preferred size it can make) or max_batch_size, or when the oldest has waited
    /// max_queue_delay (all of it).
    /// </summary>
    private List<BatchItem>? Form(out long waitUntil)
    {
        var head = queue[0];
        waitUntil = head.EnqueuedAt + (long)(settings.MaxQueueDelay.TotalSeconds * Stopwatch.Frequency);
        var members = new List<int>();
        long rows = 0;
        long preferredRows = 0;
        int preferredCount = 0;
        bool full = false;
        for (int i = 0; i < queue.Count; i++)
        {
            if (!head.CanJoin(queue[i])) continue;
            if (rows + queue[i].Rows > maxRows)
            {
                full = true;
                break;
            }
            members.Add(i);
            rows += queue[i].Rows;
            if (settings.PreferredBatchSizes.Contains((int)rows))
                (preferredRows, preferredCount) = (rows, members.Count);
        }
        full |= rows >= maxRows;
        bool expired = Stopwatch.GetTimestamp() >= waitUntil;
        if (!full && !expired && rows < Target) return null;
        if (!expired && preferredCount > 0) members.RemoveRange(preferredCount, members.Count - preferredCount);
        var batch = new List<BatchItem>(members.Count);
        foreach (var i in members) batch.Add(queue[i]);
        for (int m = members.Count - 1; m >= 0; m--) RemoveAt(members[m]);
        return batch;
    }

    private void Run(List<BatchItem> batch)
    {
        var started = Stopwatch.GetTimestamp();
        long rows = 0;
        foreach (var item in batch) rows += item.Rows;
        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].QueueTime = Stopwatch.GetElapsedTime(batch[i].EnqueuedAt, started);
            batch[i].BatchRows = rows;
            batch[i].FirstInBatch = i == 0;
        }
        // The requests hold leases while they wait, but one that gives up lets its lease go; this reference keeps
        // the session alive for the rest of the batch even if that was the last lease of a retired version.
        if (!model.TryAddReference())
        {
            var gone = Unloaded("its session was released when the version was unloaded");
            foreach (var item in batch) item.Fail(gone);
            return;
        }
        try
        {
            var request = batch[0].Request;
            var inputs = new InputTensor[request.Inputs.Count];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = BatchTensors.Concatenate(batch, i, rows);
            var outputs = ModelRun.Execute(model, inputs, request.OutputNames, CancellationToken.None);
            long start = 0;
            foreach (var item in batch)
            {
                var slices = new OutputTensor[outputs.Count];
                for (int o = 0; o < slices.Length; o++) slices[o] = BatchTensors.Slice(outputs[o], start, item.Rows, rows);
                start += item.Rows;
                item.Complete(slices);
            }
        }
        catch (Exception e)
        {
            foreach (var item in batch) item.Fail(e);
        }
        finally
        {
            model.ReleaseReference();
        }
    }

    /// <summary>Stops the scheduler; requests still queued (none, while leases are honoured) fail.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            stopping = true;
            var gone = Unloaded("its batcher stopped when the version was unloaded");
            foreach (var item in queue) item.Fail(gone);
            queue.Clear();
            queuedRows = 0;
            Monitor.Pulse(gate);
        }
    }
}
