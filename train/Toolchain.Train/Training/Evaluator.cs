using Microsoft.ML.OnnxRuntime;
using Toolchain.Graph;
using Toolchain.Train.Artifacts;

namespace Toolchain.Train.Training;

/// <summary>Runs the eval graph over a data split with the current parameters: mean loss and, for classifiers, accuracy.</summary>
public sealed class Evaluator(InferenceSession session, ArtifactManifest manifest, ParameterState state, int batchSize = 1000) : IDisposable
{
    private readonly RunOptions runOptions = new();
    private readonly Dictionary<int, BatchBuffers> buffers = [];

    public EvaluationResult Evaluate(float[] features, float[] labels)
    {
        int count = labels.Length / Math.Max(1, (int)manifest.LabelSampleShape.Aggregate(1L, (a, b) => a * b));
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < count; start += batchSize)
        {
            int size = Math.Min(batchSize, count - start);
            if (!buffers.TryGetValue(size, out var batch))
                buffers[size] = batch = new BatchBuffers(size, manifest.SampleShape, manifest.LabelElement, manifest.LabelSampleShape);
            batch.FillRange(features, labels, start);
            var names = new List<string> { ArtifactNames.Input, ArtifactNames.Labels };
            var values = new List<OrtValue> { batch.Features, batch.Labels };
            foreach (var p in manifest.Carried) { names.Add(p.Name); values.Add(state.Value(p.Name, state.Current)); }
            using var outputs = session.Run(runOptions, names, values, [ArtifactNames.Loss, ArtifactNames.Logits]);
            lossSum += outputs[0].GetTensorDataAsSpan<float>()[0] * (double)size;
            correct += CountCorrect(outputs[1], labels, start, size);
        }
        bool classifier = manifest.LabelElement == ElementType.Int64 || manifest.Loss == "bce_with_logits";
        return new EvaluationResult(lossSum / count, classifier ? (double)correct / count : null);
    }

    private long CountCorrect(OrtValue logitsValue, float[] labels, int start, int size)
    {
        var logits = logitsValue.GetTensorDataAsSpan<float>();
        int width = logits.Length / size;
        long correct = 0;
        for (int k = 0; k < size; k++)
        {
            var row = logits.Slice(k * width, width);
            if (manifest.LabelElement == ElementType.Int64)
            {
                int best = 0;
                for (int c = 1; c < width; c++) if (row[c] > row[best]) best = c;
                if (best == (int)labels[start + k]) correct++;
            }
            else
            {
                for (int c = 0; c < width; c++)
                    if ((row[c] > 0) == (labels[(start + k) * width + c] > 0.5f)) correct++;
            }
        }
        return manifest.LabelElement == ElementType.Int64 ? correct : correct / Math.Max(1, width);
    }

    public void Dispose()
    {
        foreach (var b in buffers.Values) b.Dispose();
        runOptions.Dispose();
    }
}

/// <summary>Mean loss over a split and the accuracy, where the task has one.</summary>
public sealed record EvaluationResult(double Loss, double? Accuracy);
