using Microsoft.ML.OnnxRuntime;

namespace Toolchain.Export.Variants;

/// <summary>
/// Writes a model in ONNX Runtime's own ORT format, produced by ONNX Runtime itself: a session opened
/// with <c>session.save_model_format = ORT</c> saves its optimised graph to OptimizedModelFilePath.
/// Optimisation stops at the extended level: the layout transforms of the "all" level are specific to
/// the CPU that converts, and an ORT file is meant to run on other machines (linux-arm64 among them).
/// </summary>
public static class OrtFormat
{
    public const string FileExtension = ".ort";
    public const GraphOptimizationLevel Level = GraphOptimizationLevel.ORT_ENABLE_EXTENDED;

    public static void Write(byte[] onnxModel, string ortPath, string what)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = Level,
            OptimizedModelFilePath = ortPath,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        options.AddSessionConfigEntry("session.save_model_format", "ORT");
        try
        {
            using var session = new InferenceSession(onnxModel, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ExportException($"ONNX Runtime cannot convert the {what} to ORT format ('{ortPath}'): {e.Message}", e);
        }
        if (!File.Exists(ortPath) || new FileInfo(ortPath).Length == 0)
            throw new ExportException($"ONNX Runtime wrote no ORT format file at '{ortPath}' for the {what}");
    }
}
