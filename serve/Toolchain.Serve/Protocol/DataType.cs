using Microsoft.ML.OnnxRuntime.Tensors;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// A tensor element type as the Open Inference Protocol names it ("FP32", "UINT8", ...), paired with
/// the ONNX Runtime element type it maps to and, for integers, the range of values it can hold.
/// </summary>
public sealed class DataType
{
    public static readonly DataType Bool = new("BOOL", TensorElementType.Bool);
    public static readonly DataType UInt8 = Integer("UINT8", TensorElementType.UInt8, byte.MinValue, byte.MaxValue);
    public static readonly DataType UInt16 = Integer("UINT16", TensorElementType.UInt16, ushort.MinValue, ushort.MaxValue);
    public static readonly DataType UInt32 = Integer("UINT32", TensorElementType.UInt32, uint.MinValue, uint.MaxValue);
    public static readonly DataType UInt64 = Integer("UINT64", TensorElementType.UInt64, ulong.MinValue, ulong.MaxValue);
    public static readonly DataType Int8 = Integer("INT8", TensorElementType.Int8, sbyte.MinValue, sbyte.MaxValue);
    public static readonly DataType Int16 = Integer("INT16", TensorElementType.Int16, short.MinValue, short.MaxValue);
    public static readonly DataType Int32 = Integer("INT32", TensorElementType.Int32, int.MinValue, int.MaxValue);
    public static readonly DataType Int64 = Integer("INT64", TensorElementType.Int64, long.MinValue, long.MaxValue);
    public static readonly DataType FP16 = Float("FP16", TensorElementType.Float16, 65504.0);
    public static readonly DataType BF16 = Float("BF16", TensorElementType.BFloat16, 3.3895313892515355e38);
    public static readonly DataType FP32 = Float("FP32", TensorElementType.Float, float.MaxValue);
    public static readonly DataType FP64 = Float("FP64", TensorElementType.Double, double.MaxValue);
    public static readonly DataType Bytes = new("BYTES", TensorElementType.String);

    public static readonly IReadOnlyList<DataType> All =
        [Bool, UInt8, UInt16, UInt32, UInt64, Int8, Int16, Int32, Int64, FP16, BF16, FP32, FP64, Bytes];

    private DataType(string name, TensorElementType element)
    {
        Name = name;
        Element = element;
    }

    private static DataType Integer(string name, TensorElementType element, decimal min, decimal max) =>
        new(name, element) { Min = min, Max = max, IsInteger = true };

    private static DataType Float(string name, TensorElementType element, double largest) =>
        new(name, element) { FloatMax = largest, IsFloat = true };

    /// <summary>The protocol's name for the type, e.g. "FP32".</summary>
    public string Name { get; }

    public TensorElementType Element { get; }

    /// <summary>Smallest and largest value of an integer type.</summary>
    public decimal Min { get; private init; }

    public decimal Max { get; private init; }

    /// <summary>Largest finite magnitude of a floating-point type.</summary>
    public double FloatMax { get; private init; }

    public bool IsInteger { get; private init; }

    public bool IsFloat { get; private init; }

    public bool IsNumeric => IsInteger || IsFloat;

    /// <summary>Range as written in error messages: "[0, 255]".</summary>
    public string RangeText => IsFloat
        ? $"[-{FloatMax:G9}, {FloatMax:G9}]"
        : $"[{Min}, {Max}]";

    public static bool TryParse(string? name, out DataType type)
    {
        type = All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal))!;
        return type is not null;
    }

    public static DataType? FromOnnx(TensorElementType element) => All.FirstOrDefault(t => t.Element == element);

    public override string ToString() => Name;
}
