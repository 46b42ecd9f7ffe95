using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Data;
using Toolchain.Recipes;
using Toolchain.Tests.Support;
using Toolchain.Train.Training;

namespace Toolchain.Tests.DataPreparation;

public sealed class FeatureScalingTests
{
    [Test]
    public void Standard_scaling_is_per_feature_mean_and_population_std()
    {
        float[] rows = [1, 100, 3, 300, 5, 200, 7, 400];
        var s = FeatureScaling.FitPerFeature(rows, 2, "standard");
        Assert.That(s.Mean, Is.EqualTo(new[] { 4f, 250f }));
        Assert.That(s.Std, Is.EqualTo(new[] { (float)Math.Sqrt(5), (float)Math.Sqrt(12500) }).Within(1e-4));
        s.ApplyInPlace(rows);
        for (int f = 0; f < 2; f++)
        {
            var column = rows.Where((_, k) => k % 2 == f).Select(v => (double)v).ToArray();
            Assert.That(column.Average(), Is.EqualTo(0).Within(1e-6));
            Assert.That(column.Average(v => v * v), Is.EqualTo(1).Within(1e-5));
        }
    }

    [Test]
    public void Minmax_is_the_same_form_with_mean_min_and_std_range()
    {
        float[] rows = [2, -1, 6, 1, 4, 0];
        var s = FeatureScaling.FitPerFeature(rows, 2, "minmax");
        Assert.That(s.Mean, Is.EqualTo(new[] { 2f, -1f }));
        Assert.That(s.Std, Is.EqualTo(new[] { 4f, 2f }));
        s.ApplyInPlace(rows);
        Assert.That(rows, Is.EqualTo(new[] { 0f, 0f, 1f, 1f, 0.5f, 0.5f }));
    }

    [Test]
    public void A_constant_feature_gets_std_one_instead_of_a_division_by_zero()
    {
        var s = FeatureScaling.FitPerFeature([3, 3, 3], 1, "standard");
        Assert.That(s.Std, Is.EqualTo(new[] { 1f }));
        Assert.That(FeatureScaling.FitPerFeature([3, 3], 1, "minmax").Std, Is.EqualTo(new[] { 1f }));
    }

    [Test]
    public void Images_get_one_statistic_over_every_pixel()
    {
        byte[] pixels = [0, 255, 0, 255, 0, 255];
        var standard = FeatureScaling.FitGlobal(pixels, "standard");
        Assert.That(standard.Mean, Is.EqualTo(new[] { 127.5f }));
        Assert.That(standard.Std, Is.EqualTo(new[] { 127.5f }));
        var minmax = FeatureScaling.FitGlobal(pixels, "minmax");
        Assert.That(minmax.Apply(pixels), Is.EqualTo(new[] { 0f, 1f, 0f, 1f, 0f, 1f }));
        Assert.That(FeatureScaling.FitGlobal(pixels, "none").Apply(pixels), Is.EqualTo(pixels.Select(p => (float)p)));
    }

    [TestCase("standard")]
    [TestCase("minmax")]
    public void Scaling_is_fitted_on_the_training_split_only_and_stored_per_feature_in_the_checkpoint(string normalize)
    {
        // Feature 0 is i, feature 1 is 10·i; the validation and test rows get a huge feature 0 that must not move the statistics.
        const int n = 50;
        var split = RatioSplit.Create(n, 0.2, 0.2, seed: 0);
        var heldOut = split.Validation.Concat(split.Test).ToHashSet();
        var lines = new List<string> { "f0,f1,y" };
        for (int i = 0; i < n; i++) lines.Add($"{(heldOut.Contains(i) ? 1_000_000 : i)},{10 * i},{i % 2}");
        using var temp = new TempDirectory();
        File.WriteAllLines(temp.File("d.csv"), lines);
        var recipe = RecipeLoader.Parse($$"""
            data: { dataset: csv, path: '{{temp.File("d.csv")}}', target: y, normalize: {{normalize}}, split: { validation: 0.2, test: 0.2 } }
            model: { input_shape: [2], layers: [{ type: linear, units: 2, name: fc }] }
            training: { epochs: 1, batch_size: 10 }
            """, "m.yaml");

        var data = TrainingData.Load(recipe);

        var train = split.Training.Select(i => new[] { (double)i, 10.0 * i }).ToArray();
        double[] expectedMean = normalize == "standard"
            ? [train.Average(r => r[0]), train.Average(r => r[1])]
            : [train.Min(r => r[0]), train.Min(r => r[1])];
        double[] expectedStd = normalize == "standard"
            ? [Std(train.Select(r => r[0])), Std(train.Select(r => r[1]))]
            : [train.Max(r => r[0]) - train.Min(r => r[0]), train.Max(r => r[1]) - train.Min(r => r[1])];
        Assert.That(data.Mean, Is.EqualTo(expectedMean).Within(1e-3));
        Assert.That(data.Std, Is.EqualTo(expectedStd).Within(1e-3));
        Assert.That(data.ValidationFeatures[0], Is.EqualTo((1_000_000 - expectedMean[0]) / expectedStd[0]).Within(1),
            "validation rows are scaled with the training statistics, not their own");
        if (normalize == "minmax")
            Assert.That(data.TrainFeatures, Has.All.InRange(0f, 1f));

        var summary = new Trainer(recipe, data, new TrainerOptions(temp.Path, temp.Path, TextWriter.Null)).Run();
        var checkpoint = Checkpoint.Load(summary.LatestCheckpoint);
        Assert.That(checkpoint.Tensors["normalization/mean"].Shape, Is.EqualTo(new long[] { 2 }));
        Assert.That(checkpoint.Tensors["normalization/mean"].Data, Is.EqualTo(data.Mean));
        Assert.That(checkpoint.Tensors["normalization/std"].Data, Is.EqualTo(data.Std));
        Assert.That(checkpoint.Metadata["raw_input_type"], Is.EqualTo("float32"));
    }

    private static double Std(IEnumerable<double> values)
    {
        var v = values.ToArray();
        double mean = v.Average();
        return Math.Sqrt(v.Average(x => (x - mean) * (x - mean)));
    }
}
