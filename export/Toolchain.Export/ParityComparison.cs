namespace Toolchain.Export;

/// <summary>
/// Accumulates the parity figures sample by sample. The worst sample is one whose predictions disagree,
/// if any does, else the one with the largest logit difference; a NaN difference counts as infinite.
/// </summary>
internal sealed class ParityComparison(int classes)
{
    private int samples;
    private int agreements;
    private int correct;
    private double maxAbsDiff;
    private ParitySample? worst;

    public void Add(int sample, int datasetIndex, int label, ReadOnlySpan<float> evalLogits, ReadOnlySpan<float> exportedLogits, long exportedClass)
    {
        double diff = 0;
        for (int c = 0; c < classes; c++)
        {
            double d = Math.Abs((double)evalLogits[c] - exportedLogits[c]);
            diff = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(diff, d);
        }
        long evalClass = ArgMax(evalLogits);
        bool agrees = evalClass == exportedClass;
        samples++;
        if (agrees) agreements++;
        if (exportedClass == label) correct++;
        maxAbsDiff = Math.Max(maxAbsDiff, diff);

        bool worse = worst is null
            || (!agrees && worst.EvalClass == worst.ExportedClass)
            || (agrees == (worst.EvalClass == worst.ExportedClass) && diff > worst.MaxAbsDiff);
        if (worse)
            worst = new ParitySample(sample, datasetIndex, evalLogits.ToArray(), exportedLogits.ToArray(), evalClass, exportedClass, diff);
    }

    /// <summary>These figures, with <paramref name="served"/>'s difference and agreement kept for the record.</summary>
    public ParityResult Result(ParityComparison served) =>
        samples == 0
            ? throw new ExportException("parity check ran on no validation samples")
            : new ParityResult(samples, maxAbsDiff, agreements, correct, worst!, served.maxAbsDiff, served.agreements);

    /// <summary>Index of the first largest value, as ONNX ArgMax (select_last_index 0) picks it.</summary>
    private static long ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
            if (row[c] > row[best]) best = c;
        return best;
    }
}
