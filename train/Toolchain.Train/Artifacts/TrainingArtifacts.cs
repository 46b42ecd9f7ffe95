using System.Text.Json;
using Toolchain.Checkpoints;
using Toolchain.Files;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Artifacts;

/// <summary>Everything generated from one forward model, loss and optimizer, plus the initial parameters.</summary>
public sealed record TrainingArtifacts(
    ModelProto Forward,
    ModelProto Training,
    ModelProto Optimizer,
    ModelProto Eval,
    ModelProto TrainStep,
    ArtifactManifest Manifest,
    IReadOnlyDictionary<string, FloatTensor> InitialParameters)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        OnnxModelFile.Save(Forward, Path.Combine(directory, ArtifactNames.ForwardFile));
        OnnxModelFile.Save(Training, Path.Combine(directory, ArtifactNames.TrainingFile));
        OnnxModelFile.Save(Optimizer, Path.Combine(directory, ArtifactNames.OptimizerFile));
        OnnxModelFile.Save(Eval, Path.Combine(directory, ArtifactNames.EvalFile));
        OnnxModelFile.Save(TrainStep, Path.Combine(directory, ArtifactNames.TrainStepFile));
        AtomicFile.WriteAllText(Path.Combine(directory, ArtifactNames.ManifestFile), JsonSerializer.Serialize(Manifest, Json));
        var initial = new Checkpoint();
        foreach (var (name, tensor) in InitialParameters) initial.Tensors[name] = tensor;
        initial.Save(Path.Combine(directory, ArtifactNames.InitialCheckpointFile));
    }
}
