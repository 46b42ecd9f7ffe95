using Microsoft.ML.OnnxRuntime;

namespace Toolchain.Bench;

/// <summary>
/// In-process ONNX Runtime inference of an exported model: the serving path's upper bound. Session
/// options as the server makes them (ORT_ENABLE_ALL; intra-op threads 0 = all cores unless given), random
/// uint8 pixels, every output fetched as a request without "outputs" does.
/// </summary>
public static class InferenceWorker
{
    public static int Run(Arguments args)
    {
        int batch = args.Int("batch"), threads = args.Int("threads", 0);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
        using var session = new InferenceSession(args.String("model"), options);
        var input = session.InputMetadata.First();
        long[] shape = [batch, .. input.Value.Dimensions.Skip(1).Select(d => (long)d)];
        var pixels = new byte[shape.Aggregate(1L, (a, b) => a * b)];
        new Random(1).NextBytes(pixels);
        using var value = OrtValue.CreateTensorValueFromMemory(pixels, shape);
        using var runOptions = new RunOptions();
        var outputs = session.OutputMetadata.Keys.ToArray();
        string[] inputNames = [input.Key];
        OrtValue[] inputs = [value];
        return Worker.Serve(() => { using var results = session.Run(runOptions, inputNames, inputs, outputs); }, batch, args.Double("warmup", 1.0),
            new { ready = true, tool = "onnxruntime-in-process", batch, threads });
    }
}
