namespace Toolchain.Serve.Protocol;

/// <summary>
/// Model metadata per the protocol (name, versions, platform, inputs, outputs), plus two additions
/// clients may use: the class <see cref="Labels"/> and the model's metadata properties as <see cref="Parameters"/>.
/// </summary>
public sealed record ModelMetadataResponse(
    string Name,
    IReadOnlyList<string> Versions,
    string Platform,
    IReadOnlyList<TensorMetadata> Inputs,
    IReadOnlyList<TensorMetadata> Outputs,
    IReadOnlyList<string>? Labels,
    IReadOnlyDictionary<string, string>? Parameters);
