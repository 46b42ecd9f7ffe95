using NUnit.Framework;
using Toolchain.Data;
using Toolchain.Recipes;
using Toolchain.Train.Training;

namespace Toolchain.Tests.DataPreparation;

public sealed class SyntheticDatasetTests
{
    [Test]
    public void Linear_rows_follow_the_line_within_the_noise()
    {
        var data = SyntheticDataset.Generate("linear", samples: 500, features: 2, noise: 0.01, seed: 1, slope: 2, intercept: 0.5);
        Assert.That(data.ClassNames, Is.Null);
        var residuals = Enumerable.Range(0, 500).Select(i => data.Targets[i] - (2 * (data.Row(i)[0] + data.Row(i)[1]) + 0.5)).ToArray();
        Assert.That(residuals.Max(Math.Abs), Is.LessThan(0.05));
        Assert.That(Math.Sqrt(residuals.Average(r => r * r)), Is.EqualTo(0.01).Within(0.002));
        Assert.That(data.Features, Has.All.InRange(-1f, 1f));
    }

    [Test]
    public void Binary_rule_labels_are_the_rule_over_the_informative_features()
    {
        var data = SyntheticDataset.Generate("binary_rule", samples: 400, features: 50, noise: 0, seed: 2, informative: 5);
        Assert.That(data.ClassNames, Is.EqualTo(new[] { "0", "1" }));
        for (int i = 0; i < data.Count; i++)
        {
            var row = data.Row(i);
            double score = 0;
            for (int f = 0; f < 5; f++) score += row[f];
            Assert.That(data.Targets[i], Is.EqualTo(score > 0 ? 1f : 0f), $"row {i}");
        }
        Assert.That(data.Targets.Average(), Is.InRange(0.4, 0.6), "the rule splits the classes about evenly");
    }

    [Test]
    public void The_same_seed_gives_the_same_rows()
    {
        var a = SyntheticDataset.Generate("binary_rule", 100, 10, 0.1, seed: 3, informative: 2);
        var b = SyntheticDataset.Generate("binary_rule", 100, 10, 0.1, seed: 3, informative: 2);
        var c = SyntheticDataset.Generate("binary_rule", 100, 10, 0.1, seed: 4, informative: 2);
        Assert.That(b.Features, Is.EqualTo(a.Features));
        Assert.That(b.Targets, Is.EqualTo(a.Targets));
        Assert.That(c.Features, Is.Not.EqualTo(a.Features));
    }

    [Test]
    public void A_synthetic_recipe_loads_split_and_scaled_without_any_file()
    {
        var recipe = RecipeLoader.Parse("""
            data: { dataset: synthetic, generator: binary_rule, samples: 300, feature_count: 20, informative: 3, split: { validation: 0.2, test: 0.1, stratify: true } }
            model: { input_shape: [20], layers: [{ type: linear, units: 1 }] }
            loss: { name: bce_with_logits }
            """, "s.yaml");
        var data = TrainingData.Load(recipe);
        Assert.That((data.TrainCount, data.ValidationCount, data.TestCount), Is.EqualTo((210, 60, 30)));
        Assert.That(data.SampleShape, Is.EqualTo(new long[] { 20 }));
        Assert.That(data.Mean, Has.Length.EqualTo(20));
        Assert.That(data.Report!.Stratified, Is.True);
        Assert.That(data.Report.Source, Does.StartWith("synthetic binary_rule"));
    }

    [Test]
    public void Bad_generator_settings_are_named_by_key()
    {
        var error = Assert.Throws<RecipeException>(() => RecipeLoader.Parse("""
            data: { dataset: synthetic, generator: spiral, samples: 0, feature_count: 4, informative: 9 }
            model: { input_shape: [4], layers: [{ type: linear, units: 1 }] }
            """, "s.yaml"));
        Assert.That(error!.Message, Does.Contain("data.generator").And.Contain("data.samples").And.Contain("data.informative"));
    }
}
