using Microsoft.ML.OnnxRuntime;

namespace Toolchain.Tests.Export;

/// <summary>Runs an ONNX model once with ONNX Runtime on the CPU and copies every requested output out.</summary>
internal static class OrtRun
{
    public sealed record Output(long[] Shape, float[]? Floats, long[]? Longs);

    public static IReadOnlyDictionary<string, Output> Run(string modelPath, IReadOnlyDictionary<string, OrtValue> inputs, params string[] outputs)
    {
        using var session = new InferenceSession(modelPath);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, inputs.Keys.ToArray(), inputs.Values.ToArray(), outputs);
        var copied = new Dictionary<string, Output>();
        for (int i = 0; i < outputs.Length; i++)
        {
            var info = results[i].GetTensorTypeAndShape();
            copied[outputs[i]] = info.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64
                ? new Output(info.Shape, null, results[i].GetTensorDataAsSpan<long>().ToArray())
                : new Output(info.Shape, results[i].GetTensorDataAsSpan<float>().ToArray(), null);
        }
        foreach (var value in inputs.Values) value.Dispose();
        return copied;
    }

    public static OrtValue Pixels(byte[] pixels, int count) =>
        OrtValue.CreateTensorValueFromMemory(pixels, [count, .. ExportWorkspace.SampleShape]);
}
