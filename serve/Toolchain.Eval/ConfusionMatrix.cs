namespace Toolchain.Eval;

/// <summary>
/// Counts of (true class, predicted class) pairs, and the scores read off them. Rows are true classes,
/// columns predicted ones. A class never predicted has precision 0; a class never present has recall 0.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[,] counts;

    public ConfusionMatrix(int classes)
    {
        if (classes < 1)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "a confusion matrix needs at least one class");
        Classes = classes;
        counts = new long[classes, classes];
    }

    public int Classes { get; }

    public long Total { get; private set; }

    public long this[int actual, int predicted] => counts[actual, predicted];

    public void Add(int actual, int predicted)
    {
        if ((uint)actual >= (uint)Classes)
            throw new ArgumentOutOfRangeException(nameof(actual), actual, $"true class must be in [0, {Classes})");
        if ((uint)predicted >= (uint)Classes)
            throw new ArgumentOutOfRangeException(nameof(predicted), predicted, $"predicted class must be in [0, {Classes})");
        counts[actual, predicted]++;
        Total++;
    }

    public long Correct => Enumerable.Range(0, Classes).Sum(c => counts[c, c]);

    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>Samples whose true class is <paramref name="c"/>.</summary>
    public long Support(int c) => Enumerable.Range(0, Classes).Sum(p => counts[c, p]);

    /// <summary>Samples predicted as <paramref name="c"/>.</summary>
    public long Predicted(int c) => Enumerable.Range(0, Classes).Sum(a => counts[a, c]);

    public double Precision(int c) => Predicted(c) == 0 ? 0 : (double)counts[c, c] / Predicted(c);

    public double Recall(int c) => Support(c) == 0 ? 0 : (double)counts[c, c] / Support(c);

    public double F1(int c)
    {
        double p = Precision(c), r = Recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    public double MacroPrecision => Enumerable.Range(0, Classes).Average(Precision);

    public double MacroRecall => Enumerable.Range(0, Classes).Average(Recall);

    public double MacroF1 => Enumerable.Range(0, Classes).Average(F1);

    public long[][] ToRows() =>
        Enumerable.Range(0, Classes).Select(a => Enumerable.Range(0, Classes).Select(p => counts[a, p]).ToArray()).ToArray();
}
