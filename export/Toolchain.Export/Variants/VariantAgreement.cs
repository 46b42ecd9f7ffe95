using System.Globalization;

namespace Toolchain.Export.Variants;

/// <summary>
/// How a variant's outputs compare with the fp32 model's on the same validation samples: how many
/// predicted classes agree and the largest |Δ logit|. A variant passes with at least
/// <see cref="MinAgreement"/> of its predictions agreeing — looser than the fp32 parity gate, since
/// rounding weights to int8 or float16 moves logits on purpose.
/// </summary>
public sealed record VariantAgreement(int Samples, int Agreements, double MaxAbsLogitDiff)
{
    public const double MinAgreement = 0.99;

    public double Agreement => (double)Agreements / Samples;

    public bool Passed => Agreement >= MinAgreement;

    public static VariantAgreement Compare(ModelOutputs reference, ModelOutputs variant)
    {
        if (reference.Count != variant.Count || reference.ClassCount != variant.ClassCount)
            throw new ArgumentException($"cannot compare {variant.Count}×{variant.ClassCount} outputs with {reference.Count}×{reference.ClassCount}");
        if (reference.Count == 0) throw new ExportException("the variant agreement check ran on no validation samples");
        int agreements = 0;
        double worst = 0;
        for (int i = 0; i < reference.Count; i++)
        {
            if (reference.Classes[i] == variant.Classes[i]) agreements++;
            var a = reference.Row(i);
            var b = variant.Row(i);
            for (int c = 0; c < a.Length; c++)
            {
                double d = Math.Abs((double)a[c] - b[c]);
                worst = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(worst, d);
            }
        }
        return new VariantAgreement(reference.Count, agreements, worst);
    }

    public string Describe() =>
        $"{Agreements}/{Samples} predictions agree with fp32 ({Agreement.ToString("P2", CultureInfo.InvariantCulture)}), " +
        $"max |Δ logits| {MaxAbsLogitDiff.ToString("G4", CultureInfo.InvariantCulture)}";
}
