namespace Toolchain.Serve.Protocol;

/// <summary>The body of a successful infer call.</summary>
public sealed record InferResponse(string ModelName, string ModelVersion, string? Id, IReadOnlyList<OutputTensor> Outputs);
