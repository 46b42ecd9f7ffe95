using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolchain.Files;

namespace Toolchain.Export.Variants;

/// <summary>
/// Writes variants.json into a version folder: every model file of the version, its format, size,
/// SHA-256, accuracy on the held-out t10k split, and agreement with fp32 on validation samples.
/// </summary>
public static class VariantsManifest
{
    public const string FileName = "variants.json";

    public static void Write(string path, string model, long version, HeldOutTestSet test, int validationSamples, IReadOnlyList<VariantFile> files)
    {
        var entries = new JsonArray();
        foreach (var file in files)
            entries.Add(new JsonObject
            {
                ["variant"] = file.Variant.Name,
                ["format"] = file.Format,
                ["file"] = file.FileName,
                ["bytes"] = file.Bytes,
                ["sha256"] = file.Sha256,
                ["test_accuracy"] = file.TestAccuracy,
                ["validation_agreement"] = file.Agreement.Agreement,
                ["validation_max_abs_logit_diff"] = file.Agreement.MaxAbsLogitDiff,
                ["description"] = file.Variant.Description,
            });
        var manifest = new JsonObject
        {
            ["model"] = model,
            ["version"] = version,
            ["reference"] = ModelVariant.Fp32.OnnxFileName,
            ["test_set"] = new JsonObject { ["directory"] = test.Directory, ["split"] = "t10k", ["samples"] = test.Images.Count },
            ["validation_samples"] = validationSamples,
            ["min_validation_agreement"] = VariantAgreement.MinAgreement,
            ["ort_optimization_level"] = OrtFormat.Level.ToString(),
            ["files"] = entries,
        };
        AtomicFile.WriteAllText(path, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }
}
