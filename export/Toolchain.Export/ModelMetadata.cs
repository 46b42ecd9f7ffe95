using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Toolchain.Export;

/// <summary>The metadata_props written into an exported model: where it came from, what it predicts, and when.</summary>
public static class ModelMetadata
{
    /// <summary>The Toolchain version this program was built as (with the source revision when the build knew it).</summary>
    public static string ToolchainVersion =>
        typeof(ModelMetadata).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ModelMetadata).Assembly.GetName().Version?.ToString(3)
        ?? "unknown";

    public static IReadOnlyDictionary<string, string> For(string model, long version, TrainedCheckpoint checkpoint, DateTimeOffset exportedAt)
    {
        var sample = string.Join(",", checkpoint.SampleShape);
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = model,
            ["version"] = version.ToString(CultureInfo.InvariantCulture),
            ["labels"] = JsonSerializer.Serialize(checkpoint.Labels),
            ["input"] = $"{InferenceModel.PixelsName}: uint8 [N,{sample}], raw values 0-255 as the data set stores them; the model normalises them itself",
            ["outputs"] = $"{EvalGraph.LogitsName}: float32 [N,{checkpoint.Labels.Count}]; {InferenceModel.ProbabilitiesName}: float32 [N,{checkpoint.Labels.Count}] (softmax); {InferenceModel.ClassIndexName}: int64 [N] (argmax)",
            ["source_checkpoint"] = checkpoint.Path,
            ["source_checkpoint_sha256"] = checkpoint.Sha256,
            ["exported_at"] = exportedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["toolchain_version"] = ToolchainVersion,
        };
        if (checkpoint.Epoch is { } epoch) metadata["source_epoch"] = epoch;
        if (checkpoint.Step is { } step) metadata["source_step"] = step;
        if (checkpoint.MetricsJson is { } metrics) metadata["metrics"] = metrics;
        return metadata;
    }
}
