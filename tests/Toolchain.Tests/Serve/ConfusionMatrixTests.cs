using NUnit.Framework;
using Toolchain.Eval;

namespace Toolchain.Tests.Serve;

/// <summary>Scores read off the confusion matrix agree with counting by hand, including classes never predicted or present.</summary>
[TestFixture]
public sealed class ConfusionMatrixTests
{
    [Test]
    public void Scores_match_counting_by_hand()
    {
        var matrix = new ConfusionMatrix(3);
        (int Actual, int Predicted)[] pairs = [(0, 0), (0, 0), (0, 1), (1, 1), (1, 0), (2, 1)];
        foreach (var (a, p) in pairs) matrix.Add(a, p);

        Assert.Multiple(() =>
        {
            Assert.That(matrix.Total, Is.EqualTo(6));
            Assert.That(matrix.Accuracy, Is.EqualTo(3 / 6.0));
            Assert.That(matrix.ToRows(), Is.EqualTo(new long[][] { [2, 1, 0], [1, 1, 0], [0, 1, 0] }));
            Assert.That(matrix.Precision(0), Is.EqualTo(2 / 3.0));
            Assert.That(matrix.Precision(1), Is.EqualTo(1 / 3.0));
            Assert.That(matrix.Precision(2), Is.EqualTo(0), "never predicted");
            Assert.That(matrix.Recall(0), Is.EqualTo(2 / 3.0));
            Assert.That(matrix.Recall(1), Is.EqualTo(1 / 2.0));
            Assert.That(matrix.Recall(2), Is.EqualTo(0));
            Assert.That(matrix.F1(0), Is.EqualTo(2 / 3.0).Within(1e-12));
            Assert.That(matrix.F1(1), Is.EqualTo(2 * (1 / 3.0) * 0.5 / (1 / 3.0 + 0.5)).Within(1e-12));
            Assert.That(matrix.MacroRecall, Is.EqualTo((2 / 3.0 + 0.5 + 0) / 3).Within(1e-12));
        });
    }

    [Test]
    public void An_absent_class_has_zero_recall_not_a_division_error()
    {
        var matrix = new ConfusionMatrix(2);
        matrix.Add(0, 1);

        Assert.That(matrix.Recall(1), Is.EqualTo(0));
        Assert.That(matrix.Precision(0), Is.EqualTo(0));
        Assert.That(matrix.Accuracy, Is.EqualTo(0));
    }

    [Test]
    public void Out_of_range_classes_are_refused()
    {
        var matrix = new ConfusionMatrix(2);

        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(0));
    }
}
