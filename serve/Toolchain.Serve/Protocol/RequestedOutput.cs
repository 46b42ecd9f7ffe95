namespace Toolchain.Serve.Protocol;

/// <summary>
/// An output the client asked for. <see cref="Classification"/> &gt; 0 asks, as Triton's classification
/// extension does, for the top-k classes as "score:index:label" strings instead of the raw tensor.
/// <see cref="Binary"/> asks for the tensor as raw bytes after the JSON header (the binary tensor data extension).
/// </summary>
public sealed record RequestedOutput(string Name, int Classification = 0, bool Binary = false);
