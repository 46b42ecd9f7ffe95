using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using Toolchain.Data;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Export.Variants;

/// <summary>
/// Writes the asked-for variants of a parity-checked fp32 model into its staged version folder:
/// model.&lt;variant&gt;.onnx for int8 and fp16, the ORT format file of every variant (model.ort,
/// model.int8.ort, ...), and variants.json. Each file is run over the held-out t10k split (its
/// accuracy) and over the validation samples, where it must agree with fp32 on at least
/// <see cref="VariantAgreement.MinAgreement"/> of the predictions. The variant's figures go into its
/// files' metadata too; model.onnx keeps the exact bytes the parity gate checked. A failure throws
/// before anything is published.
/// </summary>
public static class VariantExport
{
    public static IReadOnlyList<VariantFile> Run(
        IReadOnlyList<ModelVariant> variants, ModelProto fp32, StagedVersion staged, string model,
        LabeledImages validation, HeldOutTestSet test, int classes)
    {
        var fp32Path = staged.FilePath(ModelVariant.Fp32.OnnxFileName);
        var reference = ModelOutputs.Compute(fp32Path, validation, classes);
        var files = new List<VariantFile>();
        foreach (var variant in variants)
        {
            var graph = Transform(variant, fp32, fp32Path);
            var what = $"{variant.Name} variant of '{fp32Path}'";
            // Figures of the graph itself, before they are written into its files' metadata.
            var bytes = variant == ModelVariant.Fp32 ? File.ReadAllBytes(fp32Path) : graph.ToByteArray();
            var testAccuracy = ModelOutputs.Compute(bytes, test.Images, classes, what).Accuracy(test.Images.Labels);
            var agreement = VariantAgreement.Compare(reference, ModelOutputs.Compute(bytes, validation, classes, what));

            if (variant != ModelVariant.Fp32)
            {
                var onnx = WithMetadata(graph, variant, "onnx", testAccuracy, test, agreement);
                OnnxModelFile.Save(onnx, staged.FilePath(variant.OnnxFileName));
            }
            files.Add(Measure(variant, "onnx", staged.FilePath(variant.OnnxFileName), reference, validation, test, classes));

            var ortPath = staged.FilePath(variant.OrtFileName);
            OrtFormat.Write(WithMetadata(graph, variant, "ort", testAccuracy, test, agreement).ToByteArray(), ortPath, what);
            files.Add(Measure(variant, "ort", ortPath, reference, validation, test, classes));
        }
        foreach (var file in files.Where(f => !f.Agreement.Passed))
            throw new ExportException(
                $"variant {file.Variant.Name} ('{staged.FilePath(file.FileName)}'): {file.Agreement.Describe()} on validation samples; " +
                $"at least {VariantAgreement.MinAgreement.ToString("P0", CultureInfo.InvariantCulture)} must agree. Nothing was published.");

        VariantsManifest.Write(staged.FilePath(VariantsManifest.FileName), model, staged.Version, test, validation.Count, files);
        return files;
    }

    private static ModelProto Transform(ModelVariant variant, ModelProto fp32, string source)
    {
        if (variant == ModelVariant.Fp32) return fp32;
        if (variant == ModelVariant.Int8) return Int8WeightQuantization.Apply(fp32, source).Model;
        if (variant == ModelVariant.Fp16) return Float16Conversion.Apply(fp32, EvalGraph.InputName, EvalGraph.LogitsName, source);
        throw new ExportException($"--variants: no transform for variant '{variant.Name}'");
    }

    private static VariantFile Measure(
        ModelVariant variant, string format, string path, ModelOutputs reference, LabeledImages validation, HeldOutTestSet test, int classes)
    {
        var testAccuracy = ModelOutputs.Compute(path, test.Images, classes).Accuracy(test.Images.Labels);
        var agreement = VariantAgreement.Compare(reference, ModelOutputs.Compute(path, validation, classes));
        using var stream = File.OpenRead(path);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new VariantFile(variant, format, Path.GetFileName(path), stream.Length, sha256, testAccuracy, test.Images.Count, agreement);
    }

    /// <summary>The model with the variant's figures added to (or replacing) its metadata_props, keys in ordinal order.</summary>
    private static ModelProto WithMetadata(ModelProto graph, ModelVariant variant, string format, double testAccuracy, HeldOutTestSet test, VariantAgreement agreement)
    {
        var invariant = CultureInfo.InvariantCulture;
        var metadata = graph.MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        metadata["variant"] = variant.Name;
        metadata["variant_description"] = variant.Description;
        metadata["format"] = format;
        metadata["test_accuracy"] = testAccuracy.ToString("0.0000", invariant);
        metadata["test_samples"] = test.Images.Count.ToString(invariant);
        metadata["test_split"] = "t10k (held out: evaluation only, never training)";
        metadata["validation_agreement"] = agreement.Agreement.ToString("0.0000", invariant);
        metadata["weight_bytes"] = graph.Graph.Initializer.Sum(i => (long)i.RawData.Length).ToString(invariant);
        var result = graph.Clone();
        result.MetadataProps.Clear();
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            result.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return result;
    }
}
