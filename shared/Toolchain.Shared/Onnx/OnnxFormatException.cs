namespace Toolchain.Onnx;

/// <summary>An ONNX file or graph that cannot be used, with the file or node at fault in the message.</summary>
public sealed class OnnxFormatException(string message, Exception? inner = null) : Exception(message, inner);
