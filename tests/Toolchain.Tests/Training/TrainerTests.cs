using System.Text.Json;
using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Data;
using Toolchain.Recipes;
using Toolchain.Tests.Support;
using Toolchain.Train.Training;

namespace Toolchain.Tests.Training;

public sealed class TrainerTests
{
    private const string MlpRecipe = """
        name: synthetic
        model:
          input_shape: [8]
          layers:
            - { type: linear, units: 32, name: fc1 }
            - { type: relu }
            - { type: linear, units: 4, name: fc2 }
        optimizer: { name: adam, lr: 0.01 }
        training: { batch_size: 32, epochs: 4, seed: 7, keep_checkpoints: 2 }
        """;

    [Test]
    public void Trains_a_separable_problem_to_high_accuracy_within_seconds()
    {
        using var temp = new TempDirectory();
        var recipe = RecipeLoader.Parse(MlpRecipe, "synthetic.yaml");
        var data = SyntheticData.Clusters(classes: 4, features: 8, trainCount: 2000, validationCount: 500, spread: 0.5, seed: 1);

        var summary = new Trainer(recipe, data, new TrainerOptions(temp.Path, temp.Path, TextWriter.Null)).Run();

        Assert.That(summary.FinalValAccuracy, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(summary.History[^1].TrainLoss, Is.LessThan(summary.History[0].TrainLoss));
    }

    [Test]
    public void Writes_metrics_summary_and_rotating_checkpoints()
    {
        using var temp = new TempDirectory();
        var recipe = RecipeLoader.Parse(MlpRecipe, "synthetic.yaml");
        var data = SyntheticData.Clusters(4, 8, 600, 200, 0.5, seed: 2);

        var summary = new Trainer(recipe, data, new TrainerOptions(temp.Path, temp.Path, TextWriter.Null)).Run();

        var lines = File.ReadAllLines(temp.File("metrics.jsonl"));
        Assert.That(lines, Has.Length.EqualTo(4));
        using var last = JsonDocument.Parse(lines[^1]);
        Assert.That(last.RootElement.GetProperty("epoch").GetInt32(), Is.EqualTo(4));
        Assert.That(last.RootElement.GetProperty("samples_per_second").GetDouble(), Is.GreaterThan(0));
        Assert.That(File.Exists(temp.File("summary.json")));
        var epochFiles = Directory.GetFiles(Path.Combine(temp.Path, "checkpoints"), "epoch-*.safetensors").Select(Path.GetFileName).Order().ToArray();
        Assert.That(epochFiles, Is.EqualTo(new[] { "epoch-0003.safetensors", "epoch-0004.safetensors" }));
        var checkpoint = Checkpoint.Load(summary.LatestCheckpoint);
        Assert.That(checkpoint.Tensors.Keys, Does.Contain("fc1.weight").And.Contain("optimizer/fc1.weight/exp_avg_sq").And.Contain("normalization/mean"));
        Assert.That(checkpoint.Metadata["epoch"], Is.EqualTo("4"));
        Assert.That(checkpoint.Tensors["fc1.weight"].Shape, Is.EqualTo(new long[] { 32, 8 }));
    }

    [Test]
    public void Same_recipe_and_seed_give_identical_losses()
    {
        var recipe = RecipeLoader.Parse(MlpRecipe, "synthetic.yaml", [new("training.epochs", "2")]);
        var data = SyntheticData.Clusters(4, 8, 500, 100, 0.8, seed: 3);
        double[] Losses()
        {
            using var temp = new TempDirectory();
            return new Trainer(recipe, data, new TrainerOptions(temp.Path, temp.Path, TextWriter.Null)).Run().History.Select(h => h.TrainLoss).ToArray();
        }
        var first = Losses();
        var second = Losses();
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Fashion_mnist_mlp_learns_from_the_real_training_split()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "train-images-idx3-ubyte.gz")))
            Assert.Fail($"Fashion-MNIST is missing from {FashionMnist.DefaultDirectory}: run 'make setup'");
        using var temp = new TempDirectory();
        var recipe = RecipeLoader.Load(Path.Combine(TestContext.CurrentContext.TestDirectory, "../../../../../models/fashion-mlp/recipe.yaml"),
            [new("training.epochs", "2"), new("data.validation_size", "5000")]);
        var all = FashionMnist.LoadTraining(recipe.Data.Path);
        var split = DataSplit.Random(all.Count, 5000, 0);
        // A fifth of the training split keeps the test fast; the held-out t10k set is not touched.
        var data = TrainingData.FromImages(all.Subset(split.Training[..11000]), all.Subset(split.Validation), standardize: true, FashionMnist.ClassNames);

        var summary = new Trainer(recipe, data, new TrainerOptions(temp.Path, temp.Path, TextWriter.Null)).Run();

        Assert.That(summary.FinalValAccuracy, Is.GreaterThanOrEqualTo(0.80));
    }
}
