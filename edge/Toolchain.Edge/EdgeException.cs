namespace Toolchain.Edge;

/// <summary>
/// Something the runner cannot work with — a missing or unfit model, labels that do not match it, an
/// input that is no image file — with the file and field at fault named in the message.
/// </summary>
public sealed class EdgeException(string message, Exception? inner = null) : Exception(message, inner);
