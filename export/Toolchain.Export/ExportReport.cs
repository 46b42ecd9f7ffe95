using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolchain.Files;

namespace Toolchain.Export;

/// <summary>Writes runs/&lt;model&gt;/export.json: the version written, its size, and the parity and accuracy figures.</summary>
public static class ExportReport
{
    public static void Write(string path, ExportResult result)
    {
        var parity = result.Parity;
        var report = new JsonObject
        {
            ["model"] = result.Model,
            ["version"] = result.Version,
            ["model_path"] = result.ModelPath,
            ["model_bytes"] = result.ModelBytes,
            ["checkpoint"] = result.CheckpointPath,
            ["checkpoint_sha256"] = result.CheckpointSha256,
            ["checkpoint_metrics"] = result.CheckpointMetricsJson is { } metrics ? JsonNode.Parse(metrics) : null,
            ["parity"] = new JsonObject
            {
                ["samples"] = parity.Samples,
                ["validation_size"] = result.ValidationSize,
                ["max_abs_logit_diff"] = parity.MaxAbsLogitDiff,
                ["tolerance"] = ParityResult.Tolerance,
                ["prediction_agreement"] = parity.Agreement,
                ["agreeing_predictions"] = parity.Agreements,
                ["served_max_abs_logit_diff"] = parity.ServedMaxAbsLogitDiff,
                ["served_agreeing_predictions"] = parity.ServedAgreements,
            },
            ["validation_accuracy"] = parity.Accuracy,
            ["exported_at"] = result.ExportedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["toolchain_version"] = ModelMetadata.ToolchainVersion,
        };
        if (result.Variants is { } variants)
            report["variants"] = new JsonArray(variants.Select(v => (JsonNode)new JsonObject
            {
                ["variant"] = v.Variant.Name,
                ["format"] = v.Format,
                ["file"] = v.FileName,
                ["bytes"] = v.Bytes,
                ["test_accuracy"] = v.TestAccuracy,
                ["validation_agreement"] = v.Agreement.Agreement,
            }).ToArray());
        AtomicFile.WriteAllText(path, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }
}
