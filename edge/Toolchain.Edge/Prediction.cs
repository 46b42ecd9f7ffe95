namespace Toolchain.Edge;

/// <summary>The model's answer for one sample: its position in the input, the class index, its label and its softmax probability.</summary>
public sealed record Prediction(int Sample, int ClassIndex, string Label, float Probability)
{
    /// <summary>One tab-separated line: sample, class index, label, probability (4 decimals).</summary>
    public string ToLine() =>
        $"{Sample}\t{ClassIndex}\t{Label}\t{Probability.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)}";
}
