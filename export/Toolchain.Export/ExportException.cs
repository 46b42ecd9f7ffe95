namespace Toolchain.Export;

/// <summary>
/// An export that cannot go ahead or did not verify: a graph that breaks the trainer's contract, a
/// failed parity check, a repository that cannot take a new version. The message names the file,
/// node or value at fault; nothing has been published when it is thrown.
/// </summary>
public sealed class ExportException(string message, Exception? inner = null) : Exception(message, inner);
