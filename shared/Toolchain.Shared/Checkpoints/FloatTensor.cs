namespace Toolchain.Checkpoints;

/// <summary>A float32 tensor held in managed memory: a shape and its row-major elements.</summary>
public sealed record FloatTensor(long[] Shape, float[] Data)
{
    public static FloatTensor Zeros(params long[] shape) => new(shape, new float[shape.Aggregate(1L, (a, b) => a * b)]);

    public FloatTensor Copy() => new((long[])Shape.Clone(), (float[])Data.Clone());

    public string ShapeText => $"[{string.Join(",", Shape)}]";
}
