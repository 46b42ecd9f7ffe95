namespace Toolchain.Serve.Protocol;

/// <summary>An input or output in model metadata; -1 in <see cref="Shape"/> marks a dynamic dimension.</summary>
public sealed record TensorMetadata(string Name, string Datatype, long[] Shape)
{
    public static TensorMetadata From(TensorSpec spec) => new(spec.Name, spec.DataType.Name, spec.Shape);
}
