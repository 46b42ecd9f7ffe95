using Toolchain.Train.Artifacts;
using Toolchain.Train.Data;

namespace Toolchain.Train.Training;

/// <summary>
/// Prepares the next batch (copy and augmentation) on a background thread while the current step runs, into two
/// pre-allocated buffer sets per batch size used alternately. <see cref="Take"/> hands over the prefetched set when
/// it holds the batch asked for, and fills one synchronously otherwise (a skipped step, the first batch of an epoch).
/// </summary>
public sealed class BatchPrefetcher : IDisposable
{
    private readonly ArtifactManifest manifest;
    private readonly BatchAugmentation? augmentation;
    private readonly DeviceMemory? memory;
    private readonly Dictionary<int, BatchBuffers[]> sets = [];
    private readonly Thread worker;
    private readonly SemaphoreSlim requested = new(0);
    private readonly SemaphoreSlim finished = new(0);
    private int[] pendingIndices = [];
    private int pendingCount;
    private long pendingStep;
    private float[] pendingFeatures = [];
    private float[] pendingLabels = [];
    private BatchBuffers? pendingTarget;
    private Exception? pendingError;
    private bool pending;
    private bool stopping;
    private int nextSet;

    /// <param name="memory">Where the step runs, when not on the CPU: batches then go to its page-locked host memory.</param>
    public BatchPrefetcher(ArtifactManifest manifest, BatchAugmentation? augmentation, DeviceMemory? memory = null)
    {
        this.memory = memory;
        this.manifest = manifest;
        this.augmentation = augmentation;
        worker = new Thread(Work) { IsBackground = true, Name = "batch prefetch" };
        worker.Start();
    }

    /// <summary>Every buffer set created so far (each is bound once by the runner).</summary>
    public IEnumerable<BatchBuffers> AllBuffers => sets.Values.SelectMany(s => s);

    /// <summary>The buffers holding the samples at <paramref name="indices"/>, augmented for <paramref name="step"/>.</summary>
    public BatchBuffers Take(float[] features, float[] labels, ReadOnlySpan<int> indices, long step)
    {
        if (pending)
        {
            finished.Wait();
            pending = false;
            if (pendingError is { } error) { pendingError = null; throw new InvalidOperationException("preparing a batch failed", error); }
            if (pendingStep == step && ReferenceEquals(pendingFeatures, features) && indices.SequenceEqual(pendingIndices.AsSpan(0, pendingCount)))
                return pendingTarget!;
        }
        var target = NextSet(indices.Length);
        Prepare(target, features, labels, indices, step);
        return target;
    }

    /// <summary>Starts preparing the batch a later <see cref="Take"/> is expected to ask for.</summary>
    public void Prefetch(float[] features, float[] labels, ReadOnlySpan<int> indices, long step)
    {
        if (pending || indices.Length == 0) return;
        if (pendingIndices.Length < indices.Length) pendingIndices = new int[indices.Length];
        indices.CopyTo(pendingIndices);
        (pendingCount, pendingStep, pendingFeatures, pendingLabels) = (indices.Length, step, features, labels);
        pendingTarget = NextSet(indices.Length);
        pending = true;
        requested.Release();
    }

    private BatchBuffers NextSet(int batchSize)
    {
        if (!sets.TryGetValue(batchSize, out var pair))
            sets[batchSize] = pair = [New(batchSize), New(batchSize)];
        nextSet = 1 - nextSet;
        return pair[nextSet];
    }

    private BatchBuffers New(int batchSize) => new(batchSize, manifest.SampleShape, manifest.LabelElement, manifest.LabelSampleShape, memory);

    private void Prepare(BatchBuffers target, float[] features, float[] labels, ReadOnlySpan<int> indices, long step)
    {
        target.Fill(features, labels, indices);
        augmentation?.Apply(target.FeatureData, indices.Length, step, firstPosition: 0);
    }

    private void Work()
    {
        while (true)
        {
            requested.Wait();
            if (stopping) return;
            try { Prepare(pendingTarget!, pendingFeatures, pendingLabels, pendingIndices.AsSpan(0, pendingCount), pendingStep); }
            catch (Exception e) { pendingError = e; }
            finished.Release();
        }
    }

    public void Dispose()
    {
        if (pending) finished.Wait();
        stopping = true;
        requested.Release();
        worker.Join();
        foreach (var buffers in AllBuffers) buffers.Dispose();
        requested.Dispose();
        finished.Dispose();
    }
}
