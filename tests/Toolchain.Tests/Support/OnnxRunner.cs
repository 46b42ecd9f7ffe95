using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Toolchain.Onnx.Proto;

namespace Toolchain.Tests.Support;

/// <summary>Runs an in-memory ONNX model on the CPU with float and int64 inputs, returning float outputs by name.</summary>
public sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession session;

    public OnnxRunner(ModelProto model)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        session = new InferenceSession(model.ToByteArray(), options);
    }

    public Dictionary<string, float[]> Run(IReadOnlyDictionary<string, (float[] Data, long[] Shape)> floats,
        IReadOnlyDictionary<string, (long[] Data, long[] Shape)>? longs = null)
    {
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, (data, shape)) in floats) { names.Add(name); values.Add(OrtValue.CreateTensorValueFromMemory(data, shape)); }
            foreach (var (name, (data, shape)) in longs ?? new Dictionary<string, (long[], long[])>()) { names.Add(name); values.Add(OrtValue.CreateTensorValueFromMemory(data, shape)); }
            using var runOptions = new RunOptions();
            var outputNames = session.OutputNames.ToList();
            using var outputs = session.Run(runOptions, names, values, outputNames);
            return outputNames.Zip(outputs).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose() => session.Dispose();
}
