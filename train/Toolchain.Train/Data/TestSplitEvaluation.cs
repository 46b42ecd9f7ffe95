using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Toolchain.Checkpoints;
using Toolchain.Files;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Training;

namespace Toolchain.Train.Data;

/// <summary>
/// Scores a checkpoint on the held-out test split of a table (csv, synthetic) once training has ended:
/// the eval graph with the checkpoint's parameters, so the figure describes exactly the weights the run
/// leaves behind (the best ones when early stopping restored them). Training and model selection never read it.
/// </summary>
public sealed record TestSplitEvaluation(string Checkpoint, int Samples, double Loss, double? Accuracy)
{
    public const string FileName = "test.json";

    public static TestSplitEvaluation Run(InferenceSession evalSession, ArtifactManifest manifest, string checkpointPath, TrainingData data)
    {
        if (data.TestCount == 0) throw new InvalidOperationException("this data has no test split");
        var checkpoint = Toolchain.Checkpoints.Checkpoint.Load(checkpointPath);
        using var state = new ParameterState(manifest, checkpoint.Tensors, optimizerState: null);
        using var evaluator = new Evaluator(evalSession, manifest, state);
        var result = evaluator.Evaluate(data.TestFeatures, data.TestLabels);
        return new TestSplitEvaluation(checkpointPath, data.TestCount, result.Loss, result.Accuracy);
    }

    public string LogLine() =>
        $"Test split (held out): {Samples:N0} samples  test_loss {Loss:F4}" + (Accuracy is { } a ? $"  test_accuracy {a:F4}" : "") + $"  ({Path.GetFileName(Checkpoint)})";

    public void Save(string runDirectory) =>
        AtomicFile.WriteAllText(Path.Combine(runDirectory, FileName), JsonSerializer.Serialize(this, DataReport.Json));

    public static TestSplitEvaluation? Read(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<TestSplitEvaluation>(File.ReadAllText(path), DataReport.Json) : null;
    }
}
