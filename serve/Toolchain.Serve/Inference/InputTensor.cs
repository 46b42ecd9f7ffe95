using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Inference;

/// <summary>An input that passed validation: typed, row-major data whose length matches its shape.</summary>
public sealed record InputTensor(string Name, DataType DataType, long[] Shape, Array Data)
{
    /// <summary>
    /// Wraps the data as an ONNX Runtime tensor (pinned, not copied, for numeric types). Caller disposes.
    /// Dispatches on the datatype, not the array's runtime type: the CLR lets a long[] pass as a ulong[].
    /// </summary>
    public OrtValue ToOrtValue() => DataType.Element switch
    {
        TensorElementType.Bool => OrtValue.CreateTensorValueFromMemory((bool[])Data, Shape),
        TensorElementType.UInt8 => OrtValue.CreateTensorValueFromMemory((byte[])Data, Shape),
        TensorElementType.UInt16 => OrtValue.CreateTensorValueFromMemory((ushort[])Data, Shape),
        TensorElementType.UInt32 => OrtValue.CreateTensorValueFromMemory((uint[])Data, Shape),
        TensorElementType.UInt64 => OrtValue.CreateTensorValueFromMemory((ulong[])Data, Shape),
        TensorElementType.Int8 => OrtValue.CreateTensorValueFromMemory((sbyte[])Data, Shape),
        TensorElementType.Int16 => OrtValue.CreateTensorValueFromMemory((short[])Data, Shape),
        TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory((int[])Data, Shape),
        TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory((long[])Data, Shape),
        TensorElementType.Float16 => OrtValue.CreateTensorValueFromMemory((Float16[])Data, Shape),
        TensorElementType.BFloat16 => OrtValue.CreateTensorValueFromMemory((BFloat16[])Data, Shape),
        TensorElementType.Float => OrtValue.CreateTensorValueFromMemory((float[])Data, Shape),
        TensorElementType.Double => OrtValue.CreateTensorValueFromMemory((double[])Data, Shape),
        TensorElementType.String => Strings((string[])Data, Shape),
        _ => throw new InvalidOperationException($"input '{Name}': no ONNX Runtime tensor for {DataType}"),
    };

    private static OrtValue Strings(string[] data, long[] shape)
    {
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        for (int i = 0; i < data.Length; i++) value.StringTensorSetElementAt(data[i].AsSpan(), i);
        return value;
    }
}
