using Toolchain.Graph;

namespace Toolchain.Train.Artifacts;

/// <summary>Describes the generated artifacts to the programs that run them: input, labels, parameters and optimizer state.</summary>
public sealed record ArtifactManifest(
    long[] SampleShape,
    ElementType LabelElement,
    long[] LabelSampleShape,
    string Loss,
    string Optimizer,
    IReadOnlyList<string> StateNames,
    IReadOnlyList<float> InitialStateValues,
    IReadOnlyList<ParameterInfo> Parameters);
