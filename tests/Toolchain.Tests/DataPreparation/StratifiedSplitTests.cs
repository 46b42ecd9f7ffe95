using NUnit.Framework;
using Toolchain.Data;

namespace Toolchain.Tests.DataPreparation;

public sealed class StratifiedSplitTests
{
    // 1,000 rows in three unequal classes, interleaved so a split by position would not keep the shares by accident.
    private static readonly int[] Classes = Enumerable.Range(0, 1000).Select(i => i % 10 < 7 ? 0 : i % 10 < 9 ? 1 : 2).ToArray();

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(17)]
    public void Every_split_keeps_each_class_share_within_one_row(int seed)
    {
        var split = RatioSplit.Create(Classes.Length, validation: 0.15, test: 0.1, seed, Classes);

        Assert.That(split.Validation, Has.Length.EqualTo(150));
        Assert.That(split.Test, Has.Length.EqualTo(100));
        Assert.That(split.Training, Has.Length.EqualTo(750));
        foreach (var part in new[] { split.Training, split.Validation, split.Test })
            for (int c = 0; c < 3; c++)
            {
                double share = Classes.Count(k => k == c) / (double)Classes.Length;
                Assert.That(part.Count(i => Classes[i] == c), Is.EqualTo(share * part.Length).Within(1.0), $"class {c} in a split of {part.Length}");
            }
    }

    [Test]
    public void Small_classes_get_their_exact_share_for_every_seed()
    {
        // 95 rows of class 0 and 5 of class 1, test 0.2: a stratified split puts exactly one class-1 row in test.
        var classes = Enumerable.Range(0, 100).Select(i => i < 95 ? 0 : 1).ToArray();
        for (int seed = 0; seed < 20; seed++)
        {
            var split = RatioSplit.Create(100, 0.2, 0.2, seed, classes);
            Assert.That(split.Test.Count(i => classes[i] == 1), Is.EqualTo(1), $"seed {seed}");
            Assert.That(split.Validation.Count(i => classes[i] == 1), Is.EqualTo(1), $"seed {seed}");
            Assert.That(split.Training.Count(i => classes[i] == 1), Is.EqualTo(3), $"seed {seed}");
        }
    }

    [Test]
    public void The_splits_cover_every_row_once_and_depend_only_on_the_seed()
    {
        var a = RatioSplit.Create(1000, 0.1, 0.1, seed: 5, Classes);
        var b = RatioSplit.Create(1000, 0.1, 0.1, seed: 5, Classes);
        var c = RatioSplit.Create(1000, 0.1, 0.1, seed: 6, Classes);
        Assert.That(a.Training.Concat(a.Validation).Concat(a.Test).Order(), Is.EqualTo(Enumerable.Range(0, 1000)));
        Assert.That(b.Validation, Is.EqualTo(a.Validation));
        Assert.That(b.Test, Is.EqualTo(a.Test));
        Assert.That(c.Validation, Is.Not.EqualTo(a.Validation));

        var plain = RatioSplit.Create(1000, 0.1, 0.1, seed: 5);
        Assert.That(plain.Training.Concat(plain.Validation).Concat(plain.Test).Order(), Is.EqualTo(Enumerable.Range(0, 1000)));
        Assert.That(plain.Test, Has.Length.EqualTo(100));
    }

    [Test]
    public void Too_few_rows_for_the_ratios_is_an_error_naming_data_split()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RatioSplit.Create(3, 0.1, 0.1, 0));
        Assert.That(error!.Message, Does.Contain("data.split").And.Contain("too few"));
    }
}
