namespace Toolchain.Serve.Protocol;

/// <summary>
/// A request the server refuses before running the model: malformed JSON, an unknown or missing tensor,
/// or a name, datatype, shape or value that does not fit the model. Always answered with 400.
/// </summary>
public sealed class InferenceRequestException(string message) : Exception(message);
