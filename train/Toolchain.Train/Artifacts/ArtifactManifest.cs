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
    /// <summary>Every tensor a step carries forward: parameters and buffers (running statistics).</summary>
    public IEnumerable<ParameterInfo> Carried => Parameters.Concat(Buffers);
}
