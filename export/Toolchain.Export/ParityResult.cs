using System.Globalization;

namespace Toolchain.Export;

/// <summary>
/// How the exported model compares with the eval graph on validation samples: the largest logit
/// difference, how many predictions agree, the exported model's accuracy, and the worst sample — all
/// with both graphs on the same kernels — and, for the record, the difference and agreement when the
/// exported model runs as served (ONNX Runtime prepacking its constant weights, which reorders sums).
/// </summary>
public sealed record ParityResult(
    int Samples, double MaxAbsLogitDiff, int Agreements, int Correct, ParitySample Worst,
    double ServedMaxAbsLogitDiff, int ServedAgreements)
{
    /// <summary>Largest |Δ logit| the exported model may show against the eval graph.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>Every prediction agrees and every logit is within <see cref="Tolerance"/>.</summary>
    public bool Passed => Agreements == Samples && MaxAbsLogitDiff <= Tolerance;

    public double Agreement => (double)Agreements / Samples;

    /// <summary>Accuracy of the exported model's class_index against the validation labels.</summary>
    public double Accuracy => (double)Correct / Samples;

    public string FailureMessage(string evalPath, IReadOnlyList<string> labels) =>
        $"parity check failed on {Samples} validation samples: the exported model disagrees with eval graph '{evalPath}' " +
        $"on {Samples - Agreements} predictions, max |Δ logits| = {MaxAbsLogitDiff.ToString("G4", CultureInfo.InvariantCulture)} " +
        $"(tolerance {Tolerance.ToString("G", CultureInfo.InvariantCulture)}).\n" +
        $"  worst: {Worst.Describe(labels)}\n" +
        "  nothing was published.";
}
