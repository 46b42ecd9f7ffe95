namespace Toolchain.Edge;

/// <summary>Raw uint8 samples read from one input, one sample after another, with where they came from.</summary>
public sealed record Samples(byte[] Pixels, int Count, string Source)
{
    public static Samples Concat(IReadOnlyList<Samples> parts, string source) =>
        new(parts.SelectMany(p => p.Pixels).ToArray(), parts.Sum(p => p.Count), source);
}
