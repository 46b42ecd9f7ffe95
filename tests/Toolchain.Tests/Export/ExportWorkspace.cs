using System.Security.Cryptography;
using System.Text.Json;
using Toolchain.Checkpoints;
using Toolchain.Data;
using Toolchain.Export;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Tests.Export;

/// <summary>
/// A throw-away project tree that follows the trainer's contract at toy size: runs/&lt;model&gt;/ with an eval
/// graph and checkpoints, models/&lt;model&gt;/recipe.yaml, and IDX files of 2×2 "images" in three classes.
/// </summary>
internal sealed class ExportWorkspace : IDisposable
{
    public const string Model = "tiny-mlp";
    public const int TrainingCount = 48;
    public const int ValidationSize = 24;
    public static readonly long[] SampleShape = [2, 2];
    public static readonly string[] Labels = ["left", "middle", "right"];

    public ExportWorkspace(EvalGraphKind kind = EvalGraphKind.Linear)
    {
        Root = Path.Combine(Path.GetTempPath(), $"toolchain-export-{Guid.NewGuid():N}");
        Kind = kind;
        WriteData();
        WriteRecipe();
        OnnxModelFile.Save(ToyEvalGraphs.Build(kind), EvalModelPath);
        CheckpointFor(seed: 1, epoch: 1).Save(EpochCheckpointPath(1));
        CheckpointFor(seed: 2, epoch: 2).Save(EpochCheckpointPath(2));
        CheckpointFor(seed: 3, epoch: 1).Save(BestCheckpointPath);
    }

    public string Root { get; }

    public EvalGraphKind Kind { get; }

    public string RunsDirectory => Path.Combine(Root, "runs");

    public string ModelsDirectory => Path.Combine(Root, "models");

    public string DataDirectory => Path.Combine(Root, "data");

    public string ModelDirectory => Path.Combine(ModelsDirectory, Model);

    public string RecipePath => Path.Combine(ModelDirectory, "recipe.yaml");

    public string EvalModelPath => Path.Combine(RunsDirectory, Model, "artifacts", "eval_model.onnx");

    public string BestCheckpointPath => Path.Combine(RunsDirectory, Model, "checkpoints", TrainingRun.BestCheckpointName);

    public string ExportReportPath => Path.Combine(RunsDirectory, Model, "export.json");

    public string EpochCheckpointPath(int epoch) => Path.Combine(RunsDirectory, Model, "checkpoints", $"epoch-{epoch:D4}.safetensors");

    public string PublishedModelPath(long version) => Path.Combine(ModelDirectory, version.ToString(), "model.onnx");

    public ExportOptions Options(string? checkpoint = null, bool best = false) => new()
    {
        Model = Model,
        RunsDirectory = RunsDirectory,
        ModelsDirectory = ModelsDirectory,
        CheckpointPath = checkpoint,
        UseBest = best,
        ParitySamples = 1000,
    };

    /// <summary>A checkpoint as the trainer writes it: random parameters, optimizer state, normalisation and metadata.</summary>
    public Checkpoint CheckpointFor(int seed, int epoch)
    {
        var random = new Random(seed);
        var checkpoint = new Checkpoint();
        foreach (var (name, shape) in ToyEvalGraphs.Parameters(Kind))
        {
            checkpoint.Tensors[name] = RandomTensor(random, shape, -1f, 1f);
            checkpoint.Tensors[$"optimizer/{name}/m"] = RandomTensor(random, shape, -0.1f, 0.1f);
        }
        foreach (var (name, shape) in ToyEvalGraphs.RunningStatistics(Kind))
            checkpoint.Tensors[name] = RandomTensor(random, shape, name.EndsWith("var", StringComparison.Ordinal) ? 0.5f : -2f, 2f);
        checkpoint.Tensors[Normalization.MeanTensorName] = Kind == EvalGraphKind.Linear
            ? new FloatTensor([1], [110f])
            : RandomTensor(random, SampleShape, 90f, 140f);
        checkpoint.Tensors[Normalization.StdTensorName] = Kind == EvalGraphKind.Linear
            ? new FloatTensor([1], [65f])
            : RandomTensor(random, SampleShape, 40f, 80f);
        checkpoint.Metadata["model"] = Model;
        checkpoint.Metadata["epoch"] = epoch.ToString();
        checkpoint.Metadata["step"] = (epoch * 3).ToString();
        checkpoint.Metadata["metrics"] = """{"train_loss":0.91,"val_loss":0.95,"val_accuracy":0.5}""";
        checkpoint.Metadata["labels"] = JsonSerializer.Serialize(Labels);
        checkpoint.Metadata["input_shape"] = JsonSerializer.Serialize(SampleShape);
        checkpoint.Metadata["raw_input_type"] = "uint8";
        return checkpoint;
    }

    /// <summary>The validation samples the exporter checks, loaded the same way, independently.</summary>
    public LabeledImages ValidationImages()
    {
        var training = FashionMnist.LoadTraining(DataDirectory);
        return training.Subset(DataSplit.Random(training.Count, ValidationSize, 7).Validation);
    }

    /// <summary>Every file under the model's repository folder (hidden ones included) with its SHA-256.</summary>
    public SortedDictionary<string, string> RepositorySnapshot() =>
        new(Directory.EnumerateFiles(ModelDirectory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(ModelDirectory, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))),
            StringComparer.Ordinal);

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    private void WriteData()
    {
        var random = new Random(11);
        var pixels = new byte[TrainingCount * 4];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, TrainingCount).Select(_ => (byte)random.Next(Labels.Length)).ToArray();
        IdxFile.Write(Path.Combine(DataDirectory, "train-images-idx3-ubyte"), [TrainingCount, .. SampleShape], pixels);
        IdxFile.Write(Path.Combine(DataDirectory, "train-labels-idx1-ubyte"), [TrainingCount], labels);
    }

    private void WriteRecipe()
    {
        Directory.CreateDirectory(ModelDirectory);
        File.WriteAllText(RecipePath, $"""
            name: {Model}
            data:
              path: {DataDirectory}
              validation_size: {ValidationSize}
              split_seed: 7
            model:
              input_shape: [2, 2]
              layers:
                - type: linear
                  units: 3
            """);
    }

    private static FloatTensor RandomTensor(Random random, long[] shape, float low, float high)
    {
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = low + (high - low) * random.NextSingle();
        return new FloatTensor(shape, data);
    }
}
