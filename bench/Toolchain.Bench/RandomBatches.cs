using Toolchain.Train.Artifacts;

namespace Toolchain.Bench;

/// <summary>
/// A pool of random samples of the model's shape (standard normal features, labels uniform over the
/// classes) and a shuffled order to draw batches from, as the trainer draws them from its data set.
/// </summary>
public sealed class RandomBatches
{
    private readonly int[] order;
    private readonly int batch;
    private int position;

    public RandomBatches(ArtifactManifest manifest, int batch, int classes, int seed)
    {
        this.batch = batch;
        int sampleSize = (int)manifest.SampleShape.Aggregate(1L, (a, b) => a * b);
        int count = Math.Max(8 * batch, 4096);
        var random = new Random(seed);
        Features = new float[(long)count * sampleSize];
        for (long i = 0; i < Features.LongLength; i += 2)
        {
            // Box–Muller: two normals per pair of uniforms.
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            double r = Math.Sqrt(-2 * Math.Log(u));
            Features[i] = (float)(r * Math.Cos(2 * Math.PI * v));
            if (i + 1 < Features.LongLength) Features[i + 1] = (float)(r * Math.Sin(2 * Math.PI * v));
        }
        Labels = Enumerable.Range(0, count).Select(_ => (float)random.Next(classes)).ToArray();
        order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
    }

    public float[] Features { get; }
    public float[] Labels { get; }

    public ReadOnlySpan<int> Next()
    {
        if (position + batch > order.Length) position = 0;
        var span = order.AsSpan(position, batch);
        position += batch;
        return span;
    }

    /// <summary>The batch the next <see cref="Next"/> returns, for the trainer's prefetch.</summary>
    public ReadOnlySpan<int> Following() => order.AsSpan(position + batch > order.Length ? 0 : position, batch);
}
