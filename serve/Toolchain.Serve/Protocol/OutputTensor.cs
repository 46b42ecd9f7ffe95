using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// One output tensor as the response carries it: flat row-major data in a JSON-ready array
/// (FP16 and BF16 widened to float, BYTES as strings).
/// </summary>
public sealed record OutputTensor(string Name, string Datatype, long[] Shape, object Data)
{
    /// <summary>Copies a tensor ONNX Runtime produced; the value stays owned by the caller.</summary>
    public static OutputTensor FromOrtValue(string name, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var type = DataType.FromOnnx(info.ElementDataType)
            ?? throw new InvalidOperationException($"output '{name}' has element type {info.ElementDataType}, which the protocol cannot carry");
        object data = info.ElementDataType switch
        {
            TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray(),
            TensorElementType.UInt8 => value.GetTensorDataAsSpan<byte>().ToArray(),
            TensorElementType.UInt16 => value.GetTensorDataAsSpan<ushort>().ToArray(),
            TensorElementType.UInt32 => value.GetTensorDataAsSpan<uint>().ToArray(),
            TensorElementType.UInt64 => value.GetTensorDataAsSpan<ulong>().ToArray(),
            TensorElementType.Int8 => value.GetTensorDataAsSpan<sbyte>().ToArray(),
            TensorElementType.Int16 => value.GetTensorDataAsSpan<short>().ToArray(),
            TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray(),
            TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray(),
            TensorElementType.Float16 => Widen(value.GetTensorDataAsSpan<Float16>(), h => h.ToFloat()),
            TensorElementType.BFloat16 => Widen(value.GetTensorDataAsSpan<BFloat16>(), h => h.ToFloat()),
            TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
            TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
            TensorElementType.String => value.GetStringTensorAsArray(),
            _ => throw new InvalidOperationException($"output '{name}' has element type {info.ElementDataType}, which the protocol cannot carry"),
        };
        return new OutputTensor(name, type.Name, info.Shape, data);
    }

    private static float[] Widen<T>(ReadOnlySpan<T> source, Func<T, float> widen)
    {
        var result = new float[source.Length];
        for (int i = 0; i < source.Length; i++) result[i] = widen(source[i]);
        return result;
    }
}
