using Microsoft.ML.OnnxRuntime;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// What a model declares for one input or output: name, protocol datatype and shape, where -1 marks a
/// dimension the model leaves open and <see cref="DimNames"/> keeps its symbolic name ("N") if it has one.
/// </summary>
public sealed record TensorSpec(string Name, DataType DataType, long[] Shape, string?[] DimNames)
{
    /// <summary>Reads a spec from ONNX Runtime's session metadata; null for non-tensor values (maps, sequences).</summary>
    public static TensorSpec? FromOnnx(string name, NodeMetadata metadata)
    {
        if (!metadata.IsTensor || DataType.FromOnnx(metadata.ElementDataType) is not { } dataType)
            return null;
        var shape = metadata.Dimensions.Select(d => d < 0 ? -1L : d).ToArray();
        var symbols = metadata.SymbolicDimensions;
        var names = shape.Select((d, i) => d < 0 && i < symbols.Length && !string.IsNullOrEmpty(symbols[i]) ? symbols[i] : null).ToArray();
        return new TensorSpec(name, dataType, shape, names);
    }

    /// <summary>The shape as written in messages, naming open dimensions: "[N,28,28]".</summary>
    public string ShapeText => "[" + string.Join(",", Shape.Select((d, i) => d >= 0 ? d.ToString() : DimNames[i] ?? "-1")) + "]";

    /// <summary>Whether a concrete shape fits this spec: same rank, and equal wherever the spec is fixed.</summary>
    public bool Accepts(IReadOnlyList<long> shape) =>
        shape.Count == Shape.Length && Shape.Select((d, i) => d < 0 || d == shape[i]).All(ok => ok);

    public override string ToString() => $"{Name} {DataType} {ShapeText}";

    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(",", shape) + "]";
}
