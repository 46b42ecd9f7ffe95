using System.Globalization;

namespace Toolchain.Export;

/// <summary>Prints what an export wrote and how it verified, one fact a line, as plain text that pastes into a README or CI log.</summary>
public static class ExportSummary
{
    public static void Print(TextWriter output, ExportResult result)
    {
        var parity = result.Parity;
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine($"exported {result.Model} version {result.Version} -> {result.ModelPath}");
        void Row(string name, string value) => output.WriteLine($"  {name,-20}{value}");
        Row("model size", $"{result.ModelBytes.ToString("N0", invariant)} bytes");
        Row("checkpoint", result.CheckpointPath);
        Row("checkpoint sha256", result.CheckpointSha256);
        Row("parity samples", $"{parity.Samples.ToString("N0", invariant)} of {result.ValidationSize.ToString("N0", invariant)} validation samples");
        Row("max |Δ logits|", $"{parity.MaxAbsLogitDiff.ToString("G4", invariant)} (tolerance {ParityResult.Tolerance.ToString("G", invariant)})");
        Row("predictions agree", $"{parity.Agreements}/{parity.Samples} ({parity.Agreement.ToString("P2", invariant)})");
        Row("as served", $"max |Δ logits| {parity.ServedMaxAbsLogitDiff.ToString("G4", invariant)}, {parity.ServedAgreements}/{parity.Samples} agree (ONNX Runtime prepacks weights)");
        Row("val accuracy", $"{parity.Accuracy.ToString("P2", invariant)} of those {parity.Samples.ToString("N0", invariant)} samples (exported model)");
        if (result.Variants is { } variants)
        {
            Row("variants", $"{Variants.VariantsManifest.FileName} beside the model; accuracy on the {variants[0].TestSamples.ToString("N0", invariant)} held-out t10k images, agreement with fp32 on {variants[0].Agreement.Samples.ToString("N0", invariant)} validation samples");
            foreach (var file in variants)
                output.WriteLine($"    {file.FileName,-18}{file.Bytes.ToString("N0", invariant),10} bytes  test accuracy {file.TestAccuracy.ToString("P2", invariant),8}  agreement {file.Agreement.Agreement.ToString("P2", invariant),8}  max |Δ logits| {file.Agreement.MaxAbsLogitDiff.ToString("G3", invariant)}");
        }
        Row("report", result.ReportPath);
    }
}
