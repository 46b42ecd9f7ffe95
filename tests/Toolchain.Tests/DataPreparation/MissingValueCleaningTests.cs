using NUnit.Framework;
using Toolchain.Data;
using Toolchain.Recipes;
using Toolchain.Tests.Support;
using Toolchain.Train.Training;

namespace Toolchain.Tests.DataPreparation;

public sealed class MissingValueCleaningTests
{
    // 12 rows; row 3 has no target, rows 4 and 8 miss a feature, row 6 has text in a numeric column.
    private const string Csv = """
        a,b,label
        1,10,0
        2,20,1
        3,30,
        4,,0
        5,50,1
        6,oops,0
        7,70,1
        ,80,0
        9,90,1
        10,100,0
        11,110,1
        12,120,0
        """;

    private static Recipe RecipeFor(string csvPath, string missing) => RecipeLoader.Parse($$"""
        data: { dataset: csv, path: '{{csvPath}}', target: label, missing: {{missing}}, normalize: none, split: { validation: 0.2, test: 0.1 } }
        model: { input_shape: [2], layers: [{ type: linear, units: 2 }] }
        """, "m.yaml");

    [Test]
    public void Drop_removes_rows_with_missing_or_non_numeric_values_and_counts_them()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("d.csv"), Csv);
        var data = TrainingData.Load(RecipeFor(temp.File("d.csv"), "drop"));
        var report = data.Report!;

        Assert.That(report.RowsRead, Is.EqualTo(12));
        Assert.That(report.RowsDroppedMissingTarget, Is.EqualTo(1));
        Assert.That(report.RowsDroppedMissingFeature, Is.EqualTo(3));
        Assert.That(report.RowsDropped, Is.EqualTo(4));
        Assert.That(report.ValuesImputed, Is.EqualTo(0));
        Assert.That(report.MissingValues, Is.EqualTo(3), "the empty label, b of row 4 and a of row 8");
        Assert.That(report.NonNumericValues, Is.EqualTo(1));
        Assert.That(data.TrainCount + data.ValidationCount + data.TestCount, Is.EqualTo(8));
        var all = data.TrainFeatures.Concat(data.ValidationFeatures).Concat(data.TestFeatures).ToArray();
        Assert.That(all.Any(float.IsNaN), Is.False);
        Assert.That(all.Where((_, k) => k % 2 == 0).Order(), Is.EqualTo(new[] { 1f, 2f, 5f, 7f, 9f, 10f, 11f, 12f }));
        Assert.That(report.LogLine(), Does.Contain("12 rows, 4 dropped (1 without a target, 3 with a missing or non-numeric feature), 0 values imputed"));
    }

    [TestCase("mean")]
    [TestCase("median")]
    public void Mean_and_median_impute_from_the_training_split_only_and_count_what_they_fill(string strategy)
    {
        // Rows that keep their target, as (a, b) with NaN for missing, and the split the recipe's ratios and seed give them.
        float[][] kept = [[1, 10], [2, 20], [4, float.NaN], [5, 50], [6, float.NaN], [7, 70], [float.NaN, 80], [9, 90], [10, 100], [11, 110], [12, 120]];
        var split = RatioSplit.Create(kept.Length, 0.2, 0.1, seed: 0);
        // A huge value in a validation row: if it leaked into the statistics, the fill values would move.
        int outlier = split.Validation.First(i => !kept[i].Any(float.IsNaN));
        kept[outlier][1] = 1e6f;
        var lines = new List<string> { "a,b,label" };
        lines.AddRange(kept.Select((r, i) => $"{Cell(r[0])},{(i == 4 ? "oops" : Cell(r[1]))},{i % 2}"));
        lines.Insert(3, "3,30,");
        using var temp = new TempDirectory();
        File.WriteAllLines(temp.File("d.csv"), lines);

        var data = TrainingData.Load(RecipeFor(temp.File("d.csv"), strategy));

        var report = data.Report!;
        Assert.That(report.RowsDropped, Is.EqualTo(1), "only the row without a target");
        Assert.That(report.ValuesImputed, Is.EqualTo(3));
        Assert.That(report.ImputedByColumn, Is.EqualTo(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }));
        Assert.That(report.LogLine(), Does.Contain($"3 values imputed ({strategy})"));
        double Statistic(int column)
        {
            var present = split.Training.Select(i => (double)kept[i][column]).Where(v => !double.IsNaN(v)).Order().ToList();
            int n = present.Count;
            return strategy == "mean" ? present.Average() : n % 2 == 1 ? present[n / 2] : (present[n / 2 - 1] + present[n / 2]) / 2;
        }
        var fill = new[] { Statistic(0), Statistic(1) };
        Assert.That(fill[1], Is.LessThan(1000), "the validation outlier is not part of the training statistics");
        foreach (var (indices, features) in new[] { (split.Training, data.TrainFeatures), (split.Validation, data.ValidationFeatures), (split.Test, data.TestFeatures) })
        {
            Assert.That(features, Has.Length.EqualTo(indices.Length * 2));
            for (int k = 0; k < indices.Length; k++)
                for (int c = 0; c < 2; c++)
                {
                    var original = kept[indices[k]][c];
                    Assert.That(features[k * 2 + c], Is.EqualTo(float.IsNaN(original) ? fill[c] : original).Within(1e-3),
                        $"row {indices[k]}, column {"ab"[c]}");
                }
        }
    }

    private static string Cell(float v) => float.IsNaN(v) ? "" : v.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
