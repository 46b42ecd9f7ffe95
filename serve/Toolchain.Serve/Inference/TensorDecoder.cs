using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Inference;

/// <summary>
/// Decodes an input's JSON data (a flat array, nested arrays, or a single value for a scalar) into a typed
/// array in row-major order, refusing any value its datatype cannot hold exactly: 256 for UINT8, 1.5 for
/// INT64, "x" for FP32, 1e39 for FP32. Floats take "NaN", "Infinity" and "-Infinity" only when
/// <c>allowNonFinite</c> is set; by default a non-finite value is refused like any other bad value.
/// </summary>
public static class TensorDecoder
{
    public static Array Decode(RequestInput input, bool allowNonFinite = false)
    {
        if (input.Binary is { } bytes) return BinaryTensorData.Decode(input, bytes.Span, allowNonFinite);
        long expected = input.ElementCount;
        if (FlatJsonData.TryDecode(input, expected) is { } flat) return flat;
        long actual = CountValues(input.Data);
        if (actual != expected)
            throw new InferenceRequestException(
                $"input '{input.Name}': shape {TensorSpec.FormatShape(input.Shape)} needs {expected} values, got {actual}");
        var type = input.DataType;
        return type.Element switch
        {
            TensorElementType.Bool => Fill(input, ReadBool),
            TensorElementType.UInt8 => Integers(input, v => (byte)v),
            TensorElementType.UInt16 => Integers(input, v => (ushort)v),
            TensorElementType.UInt32 => Integers(input, v => (uint)v),
            TensorElementType.UInt64 => Fill(input, (e, i) => ReadUInt64(input, e, i)),
            TensorElementType.Int8 => Integers(input, v => (sbyte)v),
            TensorElementType.Int16 => Integers(input, v => (short)v),
            TensorElementType.Int32 => Integers(input, v => (int)v),
            TensorElementType.Int64 => Integers(input, v => v),
            TensorElementType.Float16 => Fill(input, (e, i) => (Float16)(float)ReadFloat(input, e, i, allowNonFinite)),
            TensorElementType.BFloat16 => Fill(input, (e, i) => (BFloat16)(float)ReadFloat(input, e, i, allowNonFinite)),
            TensorElementType.Float => Fill(input, (e, i) => (float)ReadFloat(input, e, i, allowNonFinite)),
            TensorElementType.Double => Fill(input, (e, i) => ReadFloat(input, e, i, allowNonFinite)),
            TensorElementType.String => Fill(input, ReadString),
            _ => throw new InferenceRequestException($"input '{input.Name}': datatype {type} is not supported"),
        };

        bool ReadBool(JsonElement e, int i) => e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(input, e, i, "is not a boolean"),
        };

        string ReadString(JsonElement e, int i) =>
            e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Invalid(input, e, i, "is not a string");
    }

    private static long CountValues(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Array) return 1;
        long count = 0;
        foreach (var child in data.EnumerateArray()) count += CountValues(child);
        return count;
    }

    private static T[] Fill<T>(RequestInput input, Func<JsonElement, int, T> read)
    {
        var values = new T[input.ElementCount];
        int index = 0;
        Walk(input.Data);
        return values;

        void Walk(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Array)
                foreach (var child in element.EnumerateArray()) Walk(child);
            else
            {
                values[index] = read(element, index);
                index++;
            }
        }
    }

    /// <summary>Integers of a type whose range fits in a long (all but UINT64), range-checked, then narrowed.</summary>
    private static T[] Integers<T>(RequestInput input, Func<long, T> narrow)
    {
        long min = (long)input.DataType.Min, max = (long)input.DataType.Max;
        return Fill(input, (e, i) =>
        {
            long value = ReadInteger(input, e, i);
            return value >= min && value <= max ? narrow(value) : throw OutOfRange(input, e, i);
        });
    }

    /// <summary>Any integer a long holds; 3.0 counts as 3, 3.5 does not.</summary>
    private static long ReadInteger(RequestInput input, JsonElement e, int index)
    {
        if (e.ValueKind != JsonValueKind.Number)
            throw Invalid(input, e, index, "is not a number");
        long value;
        if (!e.TryGetInt64(out value))
        {
            if (!e.TryGetDecimal(out var exact) || decimal.Truncate(exact) != exact)
                throw !e.TryGetDouble(out var d) || Math.Abs(d) > long.MaxValue
                    ? OutOfRange(input, e, index)
                    : Invalid(input, e, index, $"is not an integer ({input.DataType})");
            if (exact < long.MinValue || exact > long.MaxValue)
                throw OutOfRange(input, e, index);
            value = (long)exact;
        }
        return value;
    }

    private static ulong ReadUInt64(RequestInput input, JsonElement e, int index)
    {
        if (e.ValueKind != JsonValueKind.Number)
            throw Invalid(input, e, index, "is not a number");
        if (e.TryGetUInt64(out var value))
            return value;
        if (e.TryGetDecimal(out var exact) && decimal.Truncate(exact) == exact)
        {
            if (exact < 0 || exact > ulong.MaxValue) throw OutOfRange(input, e, index);
            return (ulong)exact;
        }
        throw !e.TryGetDouble(out var d) || d < 0 || d > ulong.MaxValue
            ? OutOfRange(input, e, index)
            : Invalid(input, e, index, $"is not an integer ({input.DataType})");
    }

    private static double ReadFloat(RequestInput input, JsonElement e, int index, bool allowNonFinite)
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            double special = e.GetString() switch
            {
                "NaN" => double.NaN,
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                _ => throw Invalid(input, e, index, "is not a number"),
            };
            return allowNonFinite ? special
                : throw Invalid(input, e, index, "is not finite; NaN and infinities are refused unless the server runs with --allow-non-finite");
        }
        if (e.ValueKind != JsonValueKind.Number)
            throw Invalid(input, e, index, "is not a number");
        if (!e.TryGetDouble(out var value) || Math.Abs(value) > input.DataType.FloatMax)
            throw OutOfRange(input, e, index);
        return value;
    }

    private static InferenceRequestException OutOfRange(RequestInput input, JsonElement e, int index) =>
        Invalid(input, e, index, $"is out of range for {input.DataType} {input.DataType.RangeText}");

    private static InferenceRequestException Invalid(RequestInput input, JsonElement e, int index, string problem)
    {
        var text = e.GetRawText();
        if (text.Length > 40) text = text[..37] + "...";
        return new InferenceRequestException($"input '{input.Name}': value {text} at index {index} {problem}");
    }
}
