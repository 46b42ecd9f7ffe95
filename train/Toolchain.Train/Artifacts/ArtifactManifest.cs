using Toolchain.Graph;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// Describes the generated artifacts to the programs that run them: input, labels, trainable
/// parameters, optimizer state, and buffers (state the training graph updates itself, such as batch
/// norm running statistics).
/// </summary>
public sealed record ArtifactManifest(
    long[] SampleShape,
    ElementType LabelElement,
    long[] LabelSampleShape,
    string Loss,
    string Optimizer,
    IReadOnlyList<string> StateNames,
    IReadOnlyList<float> InitialStateValues,
    IReadOnlyList<ParameterInfo> Parameters,
    IReadOnlyList<ParameterInfo> Buffers)
{
    /// <summary>
    /// The optimizer's per-step float scalar inputs (learning rate, bias-corrected step size, ...), which whoever runs
    /// the optimizer or train-step graph computes on the host for each step.
    /// </summary>
    public IReadOnlyList<string> OptimizerScalars { get; init; } = [];

    /// <summary>Whether the optimizer and train-step graphs output <c>gradient_norm</c>.</summary>
    public bool GradientNorm { get; init; }

    /// <summary>Every tensor a step carries forward: parameters and buffers (running statistics).</summary>
    public IEnumerable<ParameterInfo> Carried => Parameters.Concat(Buffers);
}
