namespace Toolchain.Export;

/// <summary>What an export published and how it verified.</summary>
public sealed record ExportResult(
    string Model,
    long Version,
    string ModelPath,
    long ModelBytes,
    string CheckpointPath,
    string CheckpointSha256,
    string? CheckpointMetricsJson,
    int ValidationSize,
    ParityResult Parity,
    DateTimeOffset ExportedAt,
    string ReportPath)
{
    /// <summary>The variant files written beside model.onnx (see variants.json), or null when only fp32 was asked for.</summary>
    public IReadOnlyList<Variants.VariantFile>? Variants { get; init; }
}
