using Toolchain.Recipes;

namespace Toolchain.Train.Data;

/// <summary>
/// Training-only augmentation, applied in place to a filled batch just before the train step runs
/// (the step runners call it; evaluation, the test split and export never do). Per sample, in order:
/// shift by (dy, dx) ∈ [−k, k]² with the background value filling what moves in (pad then crop),
/// mirror left–right with probability ½, then add Gaussian noise of the given standard deviation. The
/// last two axes of the sample are height and width; leading axes (channels) move together. Random
/// numbers come from <see cref="SampleRandom"/> seeded by (seed, step, position in the batch), so a run is
/// reproducible from its seed and a resumed run augments exactly as the original. No allocation per call.
/// </summary>
public sealed class BatchAugmentation
{
    private readonly int shift;
    private readonly bool flip;
    private readonly float noise;
    private readonly float background;
    private readonly int seed;
    private readonly int sampleSize;
    private readonly int height;
    private readonly int width;
    private readonly float[] scratch;

    /// <param name="background">The scaled value of a raw 0 (what shifting moves in).</param>
    public BatchAugmentation(AugmentSection spec, long[] sampleShape, float background, int seed)
    {
        if (spec.Shift < 0) throw new ArgumentOutOfRangeException(nameof(spec), spec.Shift, "data.augment.shift must be ≥ 0");
        if (!(spec.Noise >= 0)) throw new ArgumentOutOfRangeException(nameof(spec), spec.Noise, "data.augment.noise must be ≥ 0");
        if ((spec.Shift > 0 || spec.Flip) && sampleShape.Length < 2)
            throw new RecipeException($"data.augment: shift and flip need image samples [.., height, width], got shape [{string.Join(", ", sampleShape)}]");
        (shift, flip, noise, this.background, this.seed) = (spec.Shift, spec.Flip, (float)spec.Noise, background, seed);
        sampleSize = (int)sampleShape.Aggregate(1L, (a, b) => a * b);
        (height, width) = sampleShape.Length >= 2 ? ((int)sampleShape[^2], (int)sampleShape[^1]) : (1, sampleSize);
        scratch = new float[sampleSize];
    }

    /// <summary>The augmentation a recipe asks for, or null when it asks for none.</summary>
    public static BatchAugmentation? For(AugmentSection spec, long[] sampleShape, float background, int seed) =>
        spec.Enabled ? new BatchAugmentation(spec, sampleShape, background, seed) : null;

    /// <summary>Augments <paramref name="count"/> samples laid out one after another in <paramref name="batch"/>.</summary>
    /// <param name="step">The optimizer step (1-based) the batch is for.</param>
    /// <param name="firstPosition">The position in the whole batch of the first sample here (micro-batches start later).</param>
    public void Apply(Span<float> batch, int count, long step, int firstPosition)
    {
        for (int k = 0; k < count; k++)
        {
            var random = new SampleRandom(seed, step, firstPosition + k);
            ApplyOne(batch.Slice(k * sampleSize, sampleSize), ref random);
        }
    }

    private void ApplyOne(Span<float> sample, ref SampleRandom random)
    {
        int dy = 0, dx = 0;
        if (shift > 0) { dy = random.NextInt(-shift, shift); dx = random.NextInt(-shift, shift); }
        bool mirror = flip && random.NextDouble() < 0.5;
        if (dy != 0 || dx != 0 || mirror)
        {
            sample.CopyTo(scratch);
            int plane = height * width;
            for (int p = 0; p < sample.Length; p += plane)
                for (int y = 0; y < height; y++)
                    MoveRow(scratch.AsSpan(p, plane), sample.Slice(p + y * width, width), y - dy, dx, mirror);
        }
        if (noise > 0)
        {
            // Box–Muller gives two independent normals per pair of uniforms; both are used.
            int i = 0;
            for (; i + 1 < sample.Length; i += 2)
            {
                var (a, b) = random.NextGaussianPair();
                sample[i] += noise * a;
                sample[i + 1] += noise * b;
            }
            if (i < sample.Length) sample[i] += noise * random.NextGaussianPair().A;
        }
    }

    /// <summary>
    /// Writes one output row: source row <paramref name="sourceY"/> of the (mirrored) image moved right by
    /// <paramref name="dx"/>, the background where nothing moves in. Output x shows source x − dx.
    /// </summary>
    private void MoveRow(ReadOnlySpan<float> source, Span<float> row, int sourceY, int dx, bool mirror)
    {
        if (sourceY < 0 || sourceY >= height) { row.Fill(background); return; }
        var from = source.Slice(sourceY * width, width);
        int start = Math.Max(0, dx), end = Math.Min(width, width + dx);   // output columns with a source column
        if (start >= end) { row.Fill(background); return; }
        row[..start].Fill(background);
        row[end..].Fill(background);
        if (!mirror)
        {
            from.Slice(start - dx, end - start).CopyTo(row[start..end]);
            return;
        }
        for (int x = start; x < end; x++) row[x] = from[width - 1 - (x - dx)];
    }
}
