namespace Toolchain.Checkpoints;

/// <summary>A checkpoint that is missing, truncated, corrupt or does not fit the model; the message names the file.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
