using Microsoft.ML.OnnxRuntime;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Tests.Edge;

/// <summary>
/// A small classifier in the exported models' shape, with random weights: pixels uint8 [N,4,4] → Cast →
/// Sub mean → Div std → <c>input</c> → Flatten → Gemm (fc1 [64,16], transB) → Relu → MatMul (fc2 [64,5])
/// → Add → <c>logits</c> [N,5] → probabilities (Softmax) and class_index (ArgMax).
/// </summary>
internal static class SmallClassifier
{
    public const int Classes = 5;
    public const int Hidden = 64;
    public static readonly long[] SampleShape = [4, 4];
    public const int SampleSize = 16;

    public static ModelProto Build(int seed = 3)
    {
        var random = new Random(seed);
        var b = new GraphBuilder("small-classifier");
        var batch = Dim.Named("N");
        var pixels = b.Input("pixels", ElementType.UInt8, batch, 4, 4);
        var mean = b.Initializer(TensorProtos.Floats("normalization/mean", [100f], 1));
        var std = b.Initializer(TensorProtos.Floats("normalization/std", [70f], 1));
        var normalized = b.Div(b.Sub(b.Cast(pixels, ElementType.Float), mean), std);
        var input = b.Node("Identity", [normalized], outputHint: "input")[0];
        var fc1 = b.Initializer(TensorProtos.Floats("fc1.weight", Uniform(random, Hidden * SampleSize, 0.5f), Hidden, SampleSize));
        var bias1 = b.Initializer(TensorProtos.Floats("fc1.bias", Uniform(random, Hidden, 0.1f), Hidden));
        var fc2 = b.Initializer(TensorProtos.Floats("fc2.weight", Uniform(random, Hidden * Classes, 0.5f), Hidden, Classes));
        var bias2 = b.Initializer(TensorProtos.Floats("fc2.bias", Uniform(random, Classes, 0.1f), Classes));
        var hidden = b.Relu(b.Gemm(b.Flatten(input), fc1, bias1, transB: true));
        var logits = b.Output(b.Add(b.MatMul(hidden, fc2), bias2), "logits");
        b.Output(b.Softmax(logits, axis: 1), "probabilities");
        b.Output(b.ArgMax(logits, axis: 1), "class_index");
        return b.ToModel(new Dictionary<string, string> { ["model"] = "small-classifier" });
    }

    public static byte[] RandomPixels(int count, int seed)
    {
        var pixels = new byte[count * SampleSize];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    /// <summary>logits [count, 5] and class_index [count] as ONNX Runtime computes them from a model file.</summary>
    public static (float[] Logits, long[] Classes) Run(string modelPath, byte[] pixels, int count)
    {
        using var session = new InferenceSession(modelPath);
        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [count, .. SampleShape]);
        using var outputs = session.Run(runOptions, ["pixels"], [input], ["logits", "class_index"]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<long>().ToArray());
    }

    public static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    private static float[] Uniform(Random random, int count, float scale) =>
        Enumerable.Range(0, count).Select(_ => (random.NextSingle() * 2 - 1) * scale).ToArray();
}
