namespace Toolchain.Train.Artifacts;

/// <summary>A trainable parameter: its name in every artifact and checkpoint, its shape, and whether weight decay applies.</summary>
public sealed record ParameterInfo(string Name, long[] Shape, bool Decays)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
