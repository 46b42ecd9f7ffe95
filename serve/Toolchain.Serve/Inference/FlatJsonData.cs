using System.Text.Json;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Inference;

/// <summary>
/// The common case of JSON input data, decoded in one tight loop: a flat array of plain numbers, UINT8 (images)
/// or FP32, every one of them in range. Anything else (nesting, strings, a value out of range) gives null, and
/// <see cref="TensorDecoder"/>'s general path decodes it and words the error.
/// </summary>
public static class FlatJsonData
{
    public static Array? TryDecode(RequestInput input, long count)
    {
        var data = input.Data;
        if (data.ValueKind != JsonValueKind.Array || data.GetArrayLength() != count || (count > 0 && data[0].ValueKind == JsonValueKind.Array))
            return null;
        if (input.DataType == DataType.UInt8) return Bytes(data, (int)count);
        if (input.DataType == DataType.FP32) return Floats(data, (int)count);
        return null;
    }

    private static byte[]? Bytes(JsonElement data, int count)
    {
        var values = new byte[count];
        int i = 0;
        foreach (var e in data.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetByte(out values[i])) return null;
            i++;
        }
        return values;
    }

    private static float[]? Floats(JsonElement data, int count)
    {
        var values = new float[count];
        int i = 0;
        foreach (var e in data.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var value) || Math.Abs(value) > float.MaxValue) return null;
            values[i++] = (float)value;
        }
        return values;
    }
}
