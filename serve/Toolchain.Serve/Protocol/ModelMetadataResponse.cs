namespace Toolchain.Serve.Protocol;

/// <summary>
/// Model metadata per the protocol (name, versions, platform, inputs, outputs), plus additions clients may use:
/// the class <see cref="Labels"/>, the model's metadata properties as <see cref="Parameters"/>, and, when a
/// version folder failed to load, the reason by version number in <see cref="LoadErrors"/>.
/// </summary>
public sealed record ModelMetadataResponse(
    string Name,
    IReadOnlyList<string> Versions,
    string Platform,
    IReadOnlyList<TensorMetadata> Inputs,
    IReadOnlyList<TensorMetadata> Outputs,
    IReadOnlyList<string>? Labels,
    IReadOnlyDictionary<string, string>? Parameters,
    IReadOnlyDictionary<string, string>? LoadErrors = null);
