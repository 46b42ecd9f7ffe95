using System.Runtime.InteropServices;
using Google.Protobuf;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Graph;

/// <summary>Conversions between C# arrays and ONNX TensorProto, always storing data as raw little-endian bytes.</summary>
public static class TensorProtos
{
    public static TensorProto Floats(string name, ReadOnlySpan<float> data, params long[] dims) =>
        Raw(name, ElementType.Float, MemoryMarshal.AsBytes(data), dims, data.Length);

    public static TensorProto Longs(string name, ReadOnlySpan<long> data, params long[] dims) =>
        Raw(name, ElementType.Int64, MemoryMarshal.AsBytes(data), dims, data.Length);

    public static TensorProto Bytes(string name, ReadOnlySpan<byte> data, params long[] dims) =>
        Raw(name, ElementType.UInt8, data, dims, data.Length);

    private static TensorProto Raw(string name, ElementType type, ReadOnlySpan<byte> bytes, long[] dims, int count)
    {
        long expected = dims.Aggregate(1L, (a, b) => a * b);
        if (expected != count)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(",", dims)}] holds {expected} elements, got {count}");
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    public static long[] Dims(TensorProto tensor) => tensor.Dims.ToArray();

    public static float[] ToFloats(TensorProto tensor)
    {
        Expect(tensor, ElementType.Float);
        if (!tensor.RawData.IsEmpty) return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        return tensor.FloatData.ToArray();
    }

    public static long[] ToLongs(TensorProto tensor)
    {
        if (tensor.DataType == (int)ElementType.Int32)
            return tensor.RawData.IsEmpty
                ? tensor.Int32Data.Select(v => (long)v).ToArray()
                : MemoryMarshal.Cast<byte, int>(tensor.RawData.Span).ToArray().Select(v => (long)v).ToArray();
        Expect(tensor, ElementType.Int64);
        if (!tensor.RawData.IsEmpty) return MemoryMarshal.Cast<byte, long>(tensor.RawData.Span).ToArray();
        return tensor.Int64Data.ToArray();
    }

    private static void Expect(TensorProto tensor, ElementType type)
    {
        if (tensor.DataType != (int)type)
            throw new OnnxFormatException($"tensor '{tensor.Name}': expected element type {type}, got {(ElementType)tensor.DataType}");
    }
}
