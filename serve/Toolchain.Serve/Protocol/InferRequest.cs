using System.Buffers;
using System.Text.Json;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// A parsed inference request. Owns the JSON document its input data still points into, and the pooled buffer
/// holding the body (JSON and binary input data alike), so data is decoded once, straight into typed arrays,
/// by <see cref="Inference.RequestValidator"/>; disposing returns the buffer to the pool.
/// </summary>
public sealed class InferRequest(JsonDocument document, byte[]? body, string? id, IReadOnlyList<RequestInput> inputs,
    IReadOnlyList<RequestedOutput> outputs, bool binaryOutput) : IDisposable
{
    private byte[]? body = body;

    /// <summary>The client's request id, echoed in the response.</summary>
    public string? Id { get; } = id;

    public IReadOnlyList<RequestInput> Inputs { get; } = inputs;

    /// <summary>The outputs the client asked for; empty means all of them.</summary>
    public IReadOnlyList<RequestedOutput> Outputs { get; } = outputs;

    /// <summary>Request-level "binary_data_output": outputs not named in <see cref="Outputs"/> come as binary data.</summary>
    public bool BinaryOutput { get; } = binaryOutput;

    public void Dispose()
    {
        document.Dispose();
        if (Interlocked.Exchange(ref body, null) is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
    }
}
