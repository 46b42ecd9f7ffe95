namespace Toolchain.Serve.Repository;

/// <summary>A model repository or model version that cannot be loaded; the message names the folder or file.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
