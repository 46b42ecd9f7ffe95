namespace Toolchain.Export.Variants;

/// <summary>
/// Symmetric int8 quantisation of a float32 tensor, one scale per slice along an axis (per output
/// channel): scale = max|w| / 127, q = round(w / scale) clamped to [-127, 127], zero point 0, so that
/// DequantizeLinear gives w ≈ q · scale. A slice of zeros gets scale 1 (its values dequantise to 0).
/// </summary>
public sealed record PerChannelInt8(long[] Shape, int Axis, sbyte[] Values, float[] Scales)
{
    public const int Limit = 127;

    public static PerChannelInt8 Quantize(ReadOnlySpan<float> data, long[] shape, int axis, string name)
    {
        if (axis < 0 || axis >= shape.Length)
            throw new ExportException($"initializer '{name}': cannot quantise along axis {axis} of a tensor of shape [{string.Join(",", shape)}]");
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count != data.Length)
            throw new ExportException($"initializer '{name}': shape [{string.Join(",", shape)}] holds {count} elements, got {data.Length}");
        int channels = checked((int)shape[axis]);
        long inner = shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);

        var maxAbs = new float[channels];
        for (int i = 0; i < data.Length; i++)
        {
            float v = data[i];
            if (!float.IsFinite(v))
                throw new ExportException($"initializer '{name}' holds a non-finite value ({v}) at element {i}; it cannot be quantised");
            int c = (int)(i / inner % channels);
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(v));
        }
        var scales = maxAbs.Select(m => m > 0 ? m / Limit : 1f).ToArray();
        var values = new sbyte[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            int c = (int)(i / inner % channels);
            // DequantizeLinear computes q · scale; QuantizeLinear would round half to even, as MidpointRounding.ToEven does.
            values[i] = (sbyte)Math.Clamp(MathF.Round(data[i] / scales[c], MidpointRounding.ToEven), -Limit, Limit);
        }
        return new PerChannelInt8(shape, axis, values, scales);
    }

    /// <summary>q · scale per element, as DequantizeLinear computes it.</summary>
    public float[] Dequantize()
    {
        long inner = Shape.Skip(Axis + 1).Aggregate(1L, (a, b) => a * b);
        int channels = Scales.Length;
        var result = new float[Values.Length];
        for (int i = 0; i < Values.Length; i++) result[i] = Values[i] * Scales[(int)(i / inner % channels)];
        return result;
    }
}
