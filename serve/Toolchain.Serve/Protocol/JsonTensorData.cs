using System.Text.Json;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// Writes a tensor's flat data as a JSON array, element by element, as the protocol has it: numbers (UINT8
/// included, not base64), booleans, strings for BYTES, and "NaN", "Infinity", "-Infinity" for non-finite floats.
/// </summary>
public static class JsonTensorData
{
    public static void Write(Utf8JsonWriter writer, object data)
    {
        writer.WriteStartArray();
        switch (data)
        {
            case float[] values: foreach (var v in values) Float(writer, v); break;
            case double[] values: foreach (var v in values) Double(writer, v); break;
            case long[] values: foreach (var v in values) writer.WriteNumberValue(v); break;
            case int[] values: foreach (var v in values) writer.WriteNumberValue(v); break;
            case byte[] values: foreach (var v in values) writer.WriteNumberValue(v); break;
            case sbyte[] values: foreach (var v in values) writer.WriteNumberValue(v); break;
            case short[] values: foreach (var v in values) writer.WriteNumberValue(v); break;
            case ushort[] values: foreach (var v in values) writer.WriteNumberValue(v); break;
            case uint[] values: foreach (var v in values) writer.WriteNumberValue(v); break;
            case ulong[] values: foreach (var v in values) writer.WriteNumberValue(v); break;
            case bool[] values: foreach (var v in values) writer.WriteBooleanValue(v); break;
            case string[] values: foreach (var v in values) writer.WriteStringValue(v); break;
            default: throw new InvalidOperationException($"no JSON form for tensor data of type {data.GetType().Name}");
        }
        writer.WriteEndArray();
    }

    private static void Float(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteStringValue(float.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }

    private static void Double(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }
}
