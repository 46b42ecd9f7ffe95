using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Recipes;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Data;
using Toolchain.Train.Training;

namespace Toolchain.Tests.Training;

public sealed class BatchPrefetcherTests
{
    private const int SampleSize = 16, Samples = 40;
    private static readonly ArtifactManifest Manifest = new([4, 4], ElementType.Int64, [], "cross_entropy", "adam", [], [], [], []);
    private static readonly float[] Features = Enumerable.Range(0, Samples * SampleSize).Select(i => i * 0.01f).ToArray();
    private static readonly float[] Labels = Enumerable.Range(0, Samples).Select(i => (float)(i % 10)).ToArray();

    private static BatchAugmentation Augmentation() =>
        BatchAugmentation.For(new AugmentSection { Shift = 1, Flip = true, Noise = 0.1 }, [1, 4, 4], background: 0f, seed: 3)!;

    private static float[] Expected(int[] indices, long step)
    {
        using var reference = new BatchBuffers(indices.Length, [4, 4], ElementType.Int64, []);
        reference.Fill(Features, Labels, indices);
        Augmentation().Apply(reference.FeatureData, indices.Length, step, firstPosition: 0);
        return reference.FeatureData.ToArray();
    }

    [Test]
    public void Prefetched_batches_equal_batches_prepared_on_the_spot()
    {
        using var prefetcher = new BatchPrefetcher(Manifest, Augmentation());
        int[][] batches = [[3, 7, 1, 0], [9, 2, 5, 4], [12, 30, 31, 39], [8, 6]];
        var taken = new List<BatchBuffers>();
        for (int s = 0; s < batches.Length; s++)
        {
            var buffers = prefetcher.Take(Features, Labels, batches[s], step: s + 1);
            if (s + 1 < batches.Length) prefetcher.Prefetch(Features, Labels, batches[s + 1], step: s + 2);
            Assert.That(buffers.FeatureData.ToArray(), Is.EqualTo(Expected(batches[s], s + 1)), $"batch {s + 1}");
            Assert.That(taken.Count == 0 || !ReferenceEquals(taken[^1], buffers), "a batch never reuses the buffers of the step before it");
            taken.Add(buffers);
        }
    }

    [Test]
    public void A_batch_other_than_the_prefetched_one_is_prepared_on_the_spot()
    {
        using var prefetcher = new BatchPrefetcher(Manifest, Augmentation());
        prefetcher.Take(Features, Labels, [0, 1, 2, 3], step: 1);
        prefetcher.Prefetch(Features, Labels, [4, 5, 6, 7], step: 2);

        // A skipped step repeats its step number; the prefetched batch was augmented for the next one.
        var buffers = prefetcher.Take(Features, Labels, [4, 5, 6, 7], step: 1);
        Assert.That(buffers.FeatureData.ToArray(), Is.EqualTo(Expected([4, 5, 6, 7], 1)));
        buffers = prefetcher.Take(Features, Labels, [10, 11, 12, 13], step: 2);
        Assert.That(buffers.FeatureData.ToArray(), Is.EqualTo(Expected([10, 11, 12, 13], 2)));
    }
}
