using System.Globalization;

namespace Toolchain.Export;

/// <summary>One validation sample as both graphs saw it.</summary>
public sealed record ParitySample(int Sample, int DatasetIndex, float[] EvalLogits, float[] ExportedLogits, long EvalClass, long ExportedClass, double MaxAbsDiff)
{
    public string Describe(IReadOnlyList<string> labels) =>
        $"sample {Sample} (training-file image {DatasetIndex}), max |Δ| {MaxAbsDiff.ToString("G4", CultureInfo.InvariantCulture)}: " +
        $"eval logits [{Row(EvalLogits)}] → class {EvalClass}{Label(EvalClass, labels)}; " +
        $"exported logits [{Row(ExportedLogits)}] → class {ExportedClass}{Label(ExportedClass, labels)}";

    private static string Row(float[] row) => string.Join(", ", row.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));

    private static string Label(long index, IReadOnlyList<string> labels) =>
        index >= 0 && index < labels.Count ? $" ({labels[(int)index]})" : "";
}
