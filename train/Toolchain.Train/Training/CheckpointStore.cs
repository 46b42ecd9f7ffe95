using System.Text.Json;
using Toolchain.Checkpoints;
using Toolchain.Train.Artifacts;

namespace Toolchain.Train.Training;

/// <summary>
/// The checkpoints of a run, each written atomically: epoch-NNNN.safetensors at the end of every
/// epoch (the last N kept), epoch-NNNN-partial.safetensors when a run is interrupted mid-epoch, and
/// best.safetensors. Parameters are stored by name, optimizer state as optimizer/&lt;param&gt;/&lt;state&gt;.
/// </summary>
public sealed class CheckpointStore(string directory, int keep)
{
    public const string BestFile = "best.safetensors";

    public string Directory { get; } = directory;

    public static string EpochFile(int epoch) => $"epoch-{epoch:D4}.safetensors";

    public static string PartialFile(int epoch) => $"epoch-{epoch:D4}-partial.safetensors";

    public string Save(CheckpointContents contents, bool complete, bool isBest)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var checkpoint = contents.ToCheckpoint();
        var path = Path.Combine(Directory, complete ? EpochFile(contents.Epoch) : PartialFile(contents.Epoch));
        checkpoint.Save(path);
        if (isBest) checkpoint.Save(Path.Combine(Directory, BestFile));
        if (complete)
        {
            foreach (var partial in System.IO.Directory.GetFiles(Directory, "epoch-*-partial.safetensors")) File.Delete(partial);
            foreach (var old in AllFiles().SkipLast(keep)) File.Delete(old);
        }
        return path;
    }

    /// <summary>A fresh run replaces the previous run's checkpoints, so rotation never mixes two runs.</summary>
    public void Clear()
    {
        foreach (var file in AllFiles().Append(Path.Combine(Directory, BestFile)).Where(File.Exists)) File.Delete(file);
    }

    /// <summary>Epoch and partial checkpoints, oldest first (a partial epoch sorts before its completed file).</summary>
    public IReadOnlyList<string> AllFiles() =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.GetFiles(Directory, "epoch-*.safetensors").Order(StringComparer.Ordinal).ToList()
            : [];
}

/// <summary>What one checkpoint holds: the graph values (parameters and optimizer state) and the run's bookkeeping.</summary>
public sealed record CheckpointContents(
    ArtifactManifest Manifest,
    IReadOnlyDictionary<string, FloatTensor> Values,
    string Model,
    int Epoch,
    long Step,
    float[] Mean,
    float[] Std,
    IReadOnlyList<string> ClassNames,
    IReadOnlyDictionary<string, double?> Metrics,
    IReadOnlyDictionary<string, string> Loop,
    string RawInputType = "uint8")
{
    public Checkpoint ToCheckpoint()
    {
        var checkpoint = new Checkpoint();
        foreach (var p in Manifest.Parameters)
        {
            checkpoint.Tensors[p.Name] = Values[p.Name];
            foreach (var s in Manifest.StateNames)
                checkpoint.Tensors[ArtifactNames.CheckpointState(p.Name, s)] = Values[ArtifactNames.State(p.Name, s)];
        }
        foreach (var b in Manifest.Buffers) checkpoint.Tensors[b.Name] = Values[b.Name];
        // Shape [1] (one statistic for every value) or [features]: export bakes (raw − mean) / std into the inference graph.
        checkpoint.Tensors["normalization/mean"] = new FloatTensor([Mean.Length], Mean);
        checkpoint.Tensors["normalization/std"] = new FloatTensor([Std.Length], Std);
        checkpoint.Metadata["toolchain.format"] = "1";
        checkpoint.Metadata["model"] = Model;
        checkpoint.Metadata["epoch"] = Epoch.ToString();
        checkpoint.Metadata["step"] = Step.ToString();
        checkpoint.Metadata["optimizer"] = Manifest.Optimizer;
        checkpoint.Metadata["metrics"] = JsonSerializer.Serialize(Metrics, Artifacts.TrainingArtifacts.Json);
        checkpoint.Metadata["labels"] = JsonSerializer.Serialize(ClassNames);
        checkpoint.Metadata["input_shape"] = JsonSerializer.Serialize(Manifest.SampleShape);
        checkpoint.Metadata["raw_input_type"] = RawInputType;
        foreach (var (key, value) in Loop) checkpoint.Metadata[key] = value;
        return checkpoint;
    }
}
