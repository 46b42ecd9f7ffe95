namespace Toolchain.Data;

/// <summary>A data file that cannot be read as what it claims to be; the message names the file.</summary>
public sealed class DataFormatException(string message, Exception? inner = null) : Exception(message, inner);
