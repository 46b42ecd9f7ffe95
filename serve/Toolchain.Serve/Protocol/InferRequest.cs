using System.Text.Json;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// A parsed inference request. Owns the JSON document its input data still points into, so that data is
/// decoded once, straight into typed arrays, by <see cref="Inference.RequestValidator"/>.
/// </summary>
public sealed class InferRequest(JsonDocument document, string? id, IReadOnlyList<RequestInput> inputs, IReadOnlyList<RequestedOutput> outputs) : IDisposable
{
    /// <summary>The client's request id, echoed in the response.</summary>
    public string? Id { get; } = id;

    public IReadOnlyList<RequestInput> Inputs { get; } = inputs;

    /// <summary>The outputs the client asked for; empty means all of them.</summary>
    public IReadOnlyList<RequestedOutput> Outputs { get; } = outputs;

    public void Dispose() => document.Dispose();
}
