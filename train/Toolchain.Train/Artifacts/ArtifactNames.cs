namespace Toolchain.Train.Artifacts;

/// <summary>The names that inputs and outputs carry in every generated graph, and the file names of the artifacts.</summary>
public static class ArtifactNames
{
    public const string Input = "input";
    public const string Labels = "labels";
    public const string Loss = "loss";
    public const string Logits = "logits";
    public const string GradientNorm = "gradient_norm";

    public const string ForwardFile = "forward_model.onnx";
    public const string TrainingFile = "training_model.onnx";
    public const string OptimizerFile = "optimizer_model.onnx";
    public const string EvalFile = "eval_model.onnx";
    public const string TrainStepFile = "train_step.onnx";
    public const string ManifestFile = "artifacts.json";
    public const string InitialCheckpointFile = "initial.safetensors";

    public static string Gradient(string parameter) => $"{parameter}.grad";
    public static string State(string parameter, string state) => $"{parameter}.{state}";
    public static string Next(string value) => $"{value}.next";

    /// <summary>Optimizer state tensors are stored in checkpoints under this key.</summary>
    public static string CheckpointState(string parameter, string state) => $"optimizer/{parameter}/{state}";
}
