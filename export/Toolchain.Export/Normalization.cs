using Toolchain.Checkpoints;

namespace Toolchain.Export;

/// <summary>
/// The input normalisation a model was trained with: input = (raw − mean) / std, where mean and std
/// broadcast against one sample (e.g. shape [1] for one statistic over all pixels).
/// </summary>
public sealed record Normalization(FloatTensor Mean, FloatTensor Std)
{
    public const string MeanTensorName = "normalization/mean";
    public const string StdTensorName = "normalization/std";

    /// <summary>No normalisation (mean 0, std 1), for models trained on raw values.</summary>
    public static Normalization Identity => new(new FloatTensor([1], [0f]), new FloatTensor([1], [1f]));

    /// <summary>Checks that mean and std broadcast against one sample and that every std is positive and finite.</summary>
    public void Validate(long[] sampleShape, string source)
    {
        BroadcastIndex(Mean, sampleShape, MeanTensorName, source);
        BroadcastIndex(Std, sampleShape, StdTensorName, source);
        if (Mean.Data.Any(v => !float.IsFinite(v)))
            throw new CheckpointException($"checkpoint '{source}': tensor '{MeanTensorName}' holds a non-finite value");
        var badStd = Std.Data.Where(v => !(v > 0f && float.IsFinite(v))).ToArray();
        if (badStd.Length > 0)
            throw new CheckpointException($"checkpoint '{source}': tensor '{StdTensorName}' must be positive and finite everywhere, got {badStd[0]}");
    }

    /// <summary>
    /// Normalises raw samples exactly as the inference graph does (float32 Cast, Sub, Div), so both sides
    /// of the parity check see bit-identical inputs.
    /// </summary>
    public float[] Apply(ReadOnlySpan<byte> raw, long[] sampleShape)
    {
        var meanIndex = BroadcastIndex(Mean, sampleShape, MeanTensorName, "normalization");
        var stdIndex = BroadcastIndex(Std, sampleShape, StdTensorName, "normalization");
        int sampleSize = meanIndex.Length;
        var result = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            int k = i % sampleSize;
            float shifted = (float)raw[i] - Mean.Data[meanIndex[k]];
            result[i] = shifted / Std.Data[stdIndex[k]];
        }
        return result;
    }

    /// <summary>
    /// For each element of one sample, the element of <paramref name="statistic"/> it uses under ONNX
    /// (numpy) broadcasting against a batch [N, ...sampleShape]: shapes align from the right, size-1 axes repeat.
    /// </summary>
    private static int[] BroadcastIndex(FloatTensor statistic, long[] sampleShape, string name, string source)
    {
        var shape = statistic.Shape.SkipWhile(d => d == 1).ToArray();
        bool fits = shape.Length <= sampleShape.Length &&
            shape.Select((d, k) => d == 1 || d == sampleShape[sampleShape.Length - shape.Length + k]).All(ok => ok);
        if (!fits || statistic.Data.Length != statistic.Shape.Aggregate(1L, (a, b) => a * b))
            throw new CheckpointException($"checkpoint '{source}': tensor '{name}' of shape {statistic.ShapeText} does not broadcast against one sample of shape [{string.Join(",", sampleShape)}]");
        long sampleSize = sampleShape.Aggregate(1L, (a, b) => a * b);
        var index = new int[sampleSize];
        var position = new long[sampleShape.Length];
        for (long e = 0; e < sampleSize; e++)
        {
            long rest = e;
            for (int axis = sampleShape.Length - 1; axis >= 0; axis--)
            {
                position[axis] = rest % sampleShape[axis];
                rest /= sampleShape[axis];
            }
            long flat = 0;
            for (int k = 0; k < shape.Length; k++)
            {
                long coordinate = shape[k] == 1 ? 0 : position[sampleShape.Length - shape.Length + k];
                flat = flat * shape[k] + coordinate;
            }
            index[e] = (int)flat;
        }
        return index;
    }
}
