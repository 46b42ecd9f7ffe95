using Microsoft.ML.OnnxRuntime;
using Toolchain.Data;

namespace Toolchain.Export.Variants;

/// <summary>
/// What one exported model file says about a set of images: logits [N, classes] and class_index [N],
/// computed by ONNX Runtime as a server would run it (all graph optimisations on).
/// </summary>
public sealed record ModelOutputs(float[] Logits, long[] Classes, int ClassCount)
{
    private const int BatchSize = 500;

    public int Count => Classes.Length;

    public ReadOnlySpan<float> Row(int sample) => Logits.AsSpan(sample * ClassCount, ClassCount);

    /// <summary>Share of <paramref name="labels"/> that class_index gets right.</summary>
    public double Accuracy(byte[] labels)
    {
        if (labels.Length != Count) throw new ArgumentException($"expected {Count} labels, got {labels.Length}", nameof(labels));
        int correct = 0;
        for (int i = 0; i < Count; i++) if (Classes[i] == labels[i]) correct++;
        return (double)correct / Count;
    }

    /// <summary>Runs the model file (.onnx or .ort) over every image.</summary>
    public static ModelOutputs Compute(string path, LabeledImages images, int classes) =>
        Compute(() => new InferenceSession(path, Options()), images, classes, $"model '{path}'");

    /// <summary>Runs an ONNX model held in memory over every image; <paramref name="what"/> names it in errors.</summary>
    public static ModelOutputs Compute(byte[] model, LabeledImages images, int classes, string what) =>
        Compute(() => new InferenceSession(model, Options()), images, classes, what);

    private static ModelOutputs Compute(Func<InferenceSession> open, LabeledImages images, int classes, string what)
    {
        try
        {
            using var session = open();
            using var runOptions = new RunOptions();
            var logits = new float[images.Count * classes];
            var predicted = new long[images.Count];
            for (int start = 0; start < images.Count; start += BatchSize)
            {
                int count = Math.Min(BatchSize, images.Count - start);
                using var pixels = OrtValue.CreateTensorValueFromMemory(
                    images.Pixels.AsSpan(start * images.SampleSize, count * images.SampleSize).ToArray(), [count, .. images.SampleShape]);
                using var outputs = session.Run(runOptions, [InferenceModel.PixelsName], [pixels], [EvalGraph.LogitsName, InferenceModel.ClassIndexName]);
                Expect(outputs[0], [count, classes], what, EvalGraph.LogitsName);
                Expect(outputs[1], [count], what, InferenceModel.ClassIndexName);
                outputs[0].GetTensorDataAsSpan<float>().CopyTo(logits.AsSpan(start * classes));
                outputs[1].GetTensorDataAsSpan<long>().CopyTo(predicted.AsSpan(start));
            }
            return new ModelOutputs(logits, predicted, classes);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ExportException($"ONNX Runtime cannot run the {what}: {e.Message}", e);
        }
    }

    private static SessionOptions Options() => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    };

    private static void Expect(OrtValue value, long[] shape, string what, string output)
    {
        var actual = value.GetTensorTypeAndShape().Shape;
        if (!actual.SequenceEqual(shape))
            throw new ExportException($"{what}: output '{output}' expected shape [{string.Join(",", shape)}], got [{string.Join(",", actual)}]");
    }
}
