using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// Tensors as Triton's binary tensor data extension carries them: row-major, little-endian, each element in its
/// datatype's width (BOOL one byte, FP16 two), and BYTES elements as a 4-byte little-endian length and the bytes.
/// </summary>
public static class BinaryTensorData
{
    /// <summary>Bytes one element takes; 0 for BYTES, whose elements carry their own lengths.</summary>
    public static int ElementSize(DataType type) => type.Element switch
    {
        TensorElementType.Bool or TensorElementType.UInt8 or TensorElementType.Int8 => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.UInt32 or TensorElementType.Int32 or TensorElementType.Float => 4,
        TensorElementType.UInt64 or TensorElementType.Int64 or TensorElementType.Double => 8,
        _ => 0,
    };

    /// <summary>
    /// An input's bytes as a typed array, refusing a size that does not fit its shape and values its datatype
    /// refuses in JSON as well (BOOL other than 0 or 1; NaN and infinities unless <paramref name="allowNonFinite"/>).
    /// </summary>
    public static Array Decode(RequestInput input, ReadOnlySpan<byte> bytes, bool allowNonFinite)
    {
        var type = input.DataType;
        long count = input.ElementCount;
        int size = ElementSize(type);
        if (size == 0) return Strings(input, bytes, count);
        if (bytes.Length != count * size)
            throw new InferenceRequestException(
                $"input '{input.Name}': binary_data_size is {bytes.Length} bytes, but shape {TensorSpec.FormatShape(input.Shape)} of {type} needs {count * size} ({count} × {size})");
        Array data = type.Element switch
        {
            TensorElementType.Bool => Booleans(input, bytes),
            TensorElementType.UInt8 => bytes.ToArray(),
            TensorElementType.Int8 => Copy<sbyte>(bytes),
            TensorElementType.UInt16 => Copy<ushort>(bytes),
            TensorElementType.Int16 => Copy<short>(bytes),
            TensorElementType.UInt32 => Copy<uint>(bytes),
            TensorElementType.Int32 => Copy<int>(bytes),
            TensorElementType.UInt64 => Copy<ulong>(bytes),
            TensorElementType.Int64 => Copy<long>(bytes),
            TensorElementType.Float16 => Finite(input, Copy<Float16>(bytes), v => float.IsFinite(v.ToFloat()), allowNonFinite),
            TensorElementType.BFloat16 => Finite(input, Copy<BFloat16>(bytes), v => float.IsFinite(v.ToFloat()), allowNonFinite),
            TensorElementType.Float => Finite(input, Copy<float>(bytes), float.IsFinite, allowNonFinite),
            TensorElementType.Double => Finite(input, Copy<double>(bytes), double.IsFinite, allowNonFinite),
            _ => throw new InferenceRequestException($"input '{input.Name}': datatype {type} is not supported"),
        };
        return data;
    }

    /// <summary>Bytes <see cref="Write"/> will produce for an output.</summary>
    public static long SizeOf(OutputTensor output) => output.Data switch
    {
        string[] strings => strings.Sum(s => 4L + Encoding.UTF8.GetByteCount(s)),
        Array array => (long)array.Length * ElementSize(Type(output)),
        _ => throw new InvalidOperationException($"output '{output.Name}' holds no array"),
    };

    /// <summary>Writes an output's raw bytes; FP16 and BF16, widened to float for JSON, are narrowed back.</summary>
    public static void Write(OutputTensor output, IBufferWriter<byte> writer)
    {
        switch (output.Data)
        {
            case string[] strings:
                foreach (var s in strings)
                {
                    int length = Encoding.UTF8.GetByteCount(s);
                    var span = writer.GetSpan(4 + length);
                    BinaryPrimitives.WriteInt32LittleEndian(span, length);
                    Encoding.UTF8.GetBytes(s, span[4..]);
                    writer.Advance(4 + length);
                }
                break;
            case float[] values when output.Datatype == DataType.FP16.Name:
                WriteAll(writer, Array.ConvertAll(values, v => (Float16)v));
                break;
            case float[] values when output.Datatype == DataType.BF16.Name:
                WriteAll(writer, Array.ConvertAll(values, v => (BFloat16)v));
                break;
            case bool[] values: WriteAll(writer, values); break;
            case byte[] values: writer.Write(values); break;
            case sbyte[] values: WriteAll(writer, values); break;
            case ushort[] values: WriteAll(writer, values); break;
            case short[] values: WriteAll(writer, values); break;
            case uint[] values: WriteAll(writer, values); break;
            case int[] values: WriteAll(writer, values); break;
            case ulong[] values: WriteAll(writer, values); break;
            case long[] values: WriteAll(writer, values); break;
            case float[] values: WriteAll(writer, values); break;
            case double[] values: WriteAll(writer, values); break;
            default: throw new InvalidOperationException($"output '{output.Name}': no binary form for {output.Data.GetType().Name}");
        }
    }

    private static DataType Type(OutputTensor output) =>
        DataType.TryParse(output.Datatype, out var type) ? type : throw new InvalidOperationException($"output '{output.Name}': unknown datatype {output.Datatype}");

    // The protocol's byte order is little-endian, as is every machine .NET and ONNX Runtime run on here.
    private static T[] Copy<T>(ReadOnlySpan<byte> bytes) where T : unmanaged => MemoryMarshal.Cast<byte, T>(bytes).ToArray();

    private static void WriteAll<T>(IBufferWriter<byte> writer, T[] values) where T : unmanaged =>
        writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));

    private static bool[] Booleans(RequestInput input, ReadOnlySpan<byte> bytes)
    {
        var values = new bool[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            values[i] = bytes[i] switch
            {
                0 => false,
                1 => true,
                _ => throw new InferenceRequestException($"input '{input.Name}': byte {bytes[i]} at index {i} is not a boolean (0 or 1)"),
            };
        return values;
    }

    private static T[] Finite<T>(RequestInput input, T[] values, Func<T, bool> isFinite, bool allowNonFinite)
    {
        if (allowNonFinite) return values;
        for (int i = 0; i < values.Length; i++)
            if (!isFinite(values[i]))
                throw new InferenceRequestException(
                    $"input '{input.Name}': value {values[i]} at index {i} is not finite; NaN and infinities are refused unless the server runs with --allow-non-finite");
        return values;
    }

    private static string[] Strings(RequestInput input, ReadOnlySpan<byte> bytes, long count)
    {
        var values = new List<string>();
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 4)
                throw new InferenceRequestException($"input '{input.Name}': binary BYTES element {values.Count} is cut off in its 4-byte length");
            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
            offset += 4;
            if (length < 0 || length > bytes.Length - offset)
                throw new InferenceRequestException($"input '{input.Name}': binary BYTES element {values.Count} claims {length} bytes, but {bytes.Length - offset} are left");
            values.Add(Encoding.UTF8.GetString(bytes.Slice(offset, length)));
            offset += length;
        }
        if (values.Count != count)
            throw new InferenceRequestException(
                $"input '{input.Name}': shape {TensorSpec.FormatShape(input.Shape)} needs {count} values, got {values.Count} in binary_data_size {bytes.Length}");
        return values.ToArray();
    }
}
