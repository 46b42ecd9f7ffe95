using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Toolchain.Checkpoints;
using Toolchain.Graph;

namespace Toolchain.Export;

/// <summary>
/// Runs the exported model (on raw uint8 pixels) and the eval graph (on normalised floats, with the
/// checkpoint's parameters fed as inputs) with ONNX Runtime on the CPU, batch by batch, and compares
/// logits and predictions sample by sample.
/// </summary>
public static class ParityCheck
{
    public const int BatchSize = 256;

    public static ParityResult Run(
        EvalGraph eval, BoundParameters parameters, string exportedModelPath,
        ValidationSamples samples, Normalization normalization, int classes)
    {
        // The gate compares graphs, not kernels: with weight prepacking off, the eval graph (weights fed as
        // inputs) and the exported graph (weights as initializers) run the same kernels, so any difference is
        // the export's. The exported model is also run as the server runs it (prepacking on), for the record.
        using var matched = SessionOptionsFor(prepacking: false);
        using var served = SessionOptionsFor(prepacking: true);
        using var evalSession = Open(() => new InferenceSession(EvalReference(eval, parameters), matched), $"eval graph '{eval.Path}'");
        using var exportedSession = Open(() => new InferenceSession(exportedModelPath, matched), $"exported model '{exportedModelPath}'");
        using var servedSession = Open(() => new InferenceSession(exportedModelPath, served), $"exported model '{exportedModelPath}'");
        using var runOptions = new RunOptions();

        var parameterValues = parameters.Inputs.Select(p => (p.Key, Value: Tensor(p.Value))).ToList();
        try
        {
            var exact = new ParityComparison(classes);
            var asServed = new ParityComparison(classes);
            var images = samples.Images;
            long[] sampleShape = images.SampleShape;
            for (int start = 0; start < images.Count; start += BatchSize)
            {
                int count = Math.Min(BatchSize, images.Count - start);
                var raw = images.Pixels.AsSpan(start * images.SampleSize, count * images.SampleSize);
                long[] batchShape = [count, .. sampleShape];

                using var input = OrtValue.CreateTensorValueFromMemory(normalization.Apply(raw, sampleShape), batchShape);
                using var labels = OrtValue.CreateTensorValueFromMemory(images.Labels.AsSpan(start, count).ToArray().Select(l => (long)l).ToArray(), [count]);
                var evalNames = new List<string> { EvalGraph.InputName };
                var evalValues = new List<OrtValue> { input };
                if (eval.HasLabelsInput) { evalNames.Add(EvalGraph.LabelsName); evalValues.Add(labels); }
                evalNames.AddRange(parameterValues.Select(p => p.Key));
                evalValues.AddRange(parameterValues.Select(p => p.Value));
                using var evalOutputs = Execute(evalSession, runOptions, evalNames, evalValues, [EvalGraph.LogitsName], $"eval graph '{eval.Path}'");
                var evalLogits = Read<float>(evalOutputs[0], [count, classes], $"eval graph '{eval.Path}' output '{EvalGraph.LogitsName}'");

                using var pixels = OrtValue.CreateTensorValueFromMemory(raw.ToArray(), batchShape);
                foreach (var (session, comparison) in new[] { (exportedSession, exact), (servedSession, asServed) })
                {
                    using var outputs = Execute(session, runOptions, [InferenceModel.PixelsName], [pixels],
                        [EvalGraph.LogitsName, InferenceModel.ClassIndexName], $"exported model '{exportedModelPath}'");
                    var logits = Read<float>(outputs[0], [count, classes], $"exported model output '{EvalGraph.LogitsName}'");
                    var predictions = Read<long>(outputs[1], [count], $"exported model output '{InferenceModel.ClassIndexName}'");
                    for (int k = 0; k < count; k++)
                        comparison.Add(start + k, samples.DatasetIndices[start + k], images.Labels[start + k],
                            evalLogits.Slice(k * classes, classes), logits.Slice(k * classes, classes), predictions[k]);
                }
            }
            return exact.Result(asServed);
        }
        finally
        {
            foreach (var (_, value) in parameterValues) value.Dispose();
        }
    }

    private static SessionOptions SessionOptionsFor(bool prepacking)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (!prepacking) options.AddSessionConfigEntry("session.disable_prepacking", "1");
        return options;
    }

    /// <summary>The eval graph as it evaluates a trained model: inference mode, with the checkpoint's running statistics.</summary>
    private static byte[] EvalReference(EvalGraph eval, BoundParameters parameters)
    {
        var model = eval.Model.Clone();
        InferenceMode.Apply(model.Graph, eval.Path);
        var initializers = model.Graph.Initializer;
        for (int i = 0; i < initializers.Count; i++)
            if (parameters.Initializers.TryGetValue(initializers[i].Name, out var trained))
                initializers[i] = TensorProtos.Floats(initializers[i].Name, trained.Data, trained.Shape);
        return model.ToByteArray();
    }

    private static OrtValue Tensor(FloatTensor tensor) => OrtValue.CreateTensorValueFromMemory(tensor.Data, tensor.Shape);

    private static InferenceSession Open(Func<InferenceSession> open, string what)
    {
        try
        {
            return open();
        }
        catch (OnnxRuntimeException e)
        {
            throw new ExportException($"ONNX Runtime cannot load the {what}: {e.Message}", e);
        }
    }

    private static IDisposableReadOnlyCollection<OrtValue> Execute(
        InferenceSession session, RunOptions runOptions, IReadOnlyCollection<string> names, IReadOnlyCollection<OrtValue> values, IReadOnlyCollection<string> outputs, string what)
    {
        try
        {
            return session.Run(runOptions, names, values, outputs);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ExportException($"ONNX Runtime failed to run the {what}: {e.Message}", e);
        }
    }

    private static ReadOnlySpan<T> Read<T>(OrtValue value, long[] expectedShape, string what) where T : unmanaged
    {
        var shape = value.GetTensorTypeAndShape().Shape;
        if (!shape.SequenceEqual(expectedShape))
            throw new ExportException($"{what}: expected shape [{string.Join(",", expectedShape)}], got [{string.Join(",", shape)}]");
        return value.GetTensorDataAsSpan<T>();
    }
}
