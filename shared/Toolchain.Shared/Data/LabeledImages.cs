namespace Toolchain.Data;

/// <summary>Images as raw bytes (one sample after another) with one class label per image.</summary>
public sealed record LabeledImages(byte[] Pixels, byte[] Labels, long[] SampleShape)
{
    public int Count => Labels.Length;

    public int SampleSize => (int)SampleShape.Aggregate(1L, (a, b) => a * b);

    public ReadOnlySpan<byte> Sample(int index) => Pixels.AsSpan(index * SampleSize, SampleSize);

    public LabeledImages Subset(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * SampleSize];
        var labels = new byte[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            Sample(indices[k]).CopyTo(pixels.AsSpan(k * SampleSize));
            labels[k] = Labels[indices[k]];
        }
        return new LabeledImages(pixels, labels, SampleShape);
    }
}
