namespace Toolchain.Data;

/// <summary>
/// Input scaling x' = (x − Mean) / Std, fitted on the training split: one statistic for all values
/// (images) or one per feature (tables). standard uses the mean and population standard deviation;
/// minmax is the same form with Mean = min and Std = max − min; none is mean 0, std 1. A feature with no
/// spread gets Std 1, so it maps to 0 instead of dividing by zero. These are the numbers a checkpoint
/// stores as normalization/mean and normalization/std and export bakes into the inference graph.
/// </summary>
public sealed record FeatureScaling(string Mode, float[] Mean, float[] Std)
{
    public int Width => Mean.Length;

    public static FeatureScaling Identity(string mode, int width) => new(mode, new float[width], Enumerable.Repeat(1f, width).ToArray());

    /// <summary>One statistic over every byte (images).</summary>
    public static FeatureScaling FitGlobal(ReadOnlySpan<byte> values, string mode)
    {
        if (mode == "none" || values.Length == 0) return Identity(mode, 1);
        if (mode == "minmax")
        {
            byte min = byte.MaxValue, max = byte.MinValue;
            foreach (var v in values) { if (v < min) min = v; if (v > max) max = v; }
            return new FeatureScaling(mode, [min], [Spread(max - min)]);
        }
        RequireStandard(mode);
        double sum = 0, squares = 0;
        foreach (var p in values) { sum += p; squares += (double)p * p; }
        double mean = sum / values.Length;
        double variance = squares / values.Length - mean * mean;
        return new FeatureScaling(mode, [(float)mean], [Spread(Math.Sqrt(Math.Max(variance, 0)))]);
    }

    /// <summary>One statistic per feature of rows of <paramref name="width"/> values (tables).</summary>
    public static FeatureScaling FitPerFeature(ReadOnlySpan<float> rows, int width, string mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        int count = rows.Length / width;
        if (mode == "none" || count == 0) return Identity(mode, width);
        var mean = new float[width];
        var std = new float[width];
        for (int f = 0; f < width; f++)
        {
            if (mode == "minmax")
            {
                float min = float.PositiveInfinity, max = float.NegativeInfinity;
                for (int i = 0; i < count; i++) { float v = rows[i * width + f]; min = Math.Min(min, v); max = Math.Max(max, v); }
                (mean[f], std[f]) = (min, Spread((double)max - min));
                continue;
            }
            RequireStandard(mode);
            double sum = 0;
            for (int i = 0; i < count; i++) sum += rows[i * width + f];
            double m = sum / count, squares = 0;
            for (int i = 0; i < count; i++) { double d = rows[i * width + f] - m; squares += d * d; }
            (mean[f], std[f]) = ((float)m, Spread(Math.Sqrt(squares / count)));
        }
        return new FeatureScaling(mode, mean, std);
    }

    /// <summary>Scales bytes into a new float array (one statistic).</summary>
    public float[] Apply(ReadOnlySpan<byte> values)
    {
        if (Width != 1) throw new InvalidOperationException($"byte data takes one statistic, this scaling has {Width}");
        var result = new float[values.Length];
        float mean = Mean[0], scale = 1f / Std[0];
        for (int k = 0; k < values.Length; k++) result[k] = (values[k] - mean) * scale;
        return result;
    }

    /// <summary>Scales rows of <see cref="Width"/> values in place.</summary>
    public void ApplyInPlace(Span<float> rows)
    {
        if (rows.Length % Width != 0) throw new ArgumentException($"{rows.Length} values are not rows of {Width}");
        for (int k = 0; k < rows.Length; k++)
        {
            int f = k % Width;
            rows[k] = (rows[k] - Mean[f]) * (1f / Std[f]);
        }
    }

    /// <summary>What a raw value becomes after scaling (e.g. the background pixel 0, for padding shifted images).</summary>
    public float Scaled(float raw, int feature = 0) => (raw - Mean[feature]) * (1f / Std[feature]);

    private static float Spread(double value) => value > 1e-12 && double.IsFinite(value) ? (float)value : 1f;

    private static void RequireStandard(string mode)
    {
        if (mode != "standard") throw new ArgumentOutOfRangeException(nameof(mode), mode, "data.normalize: expected standard, minmax or none");
    }
}
