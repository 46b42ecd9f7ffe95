using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Recipes;
using Toolchain.Tests.Support;
using Toolchain.Train.Data;
using Toolchain.Train.Schedules;
using Toolchain.Train.Training;

namespace Toolchain.Tests.Recipes;

/// <summary>The classic examples in models/, trained as committed (only the run folder is a temp one).</summary>
public sealed class ClassicRecipeTests
{
    private static string RecipePath(string model) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "../../../../../models", model, "recipe.yaml");

    private static (TrainingSummary Summary, string RunDirectory) Train(TempDirectory temp, string model)
    {
        var path = RecipePath(model);
        var recipe = RecipeLoader.Load(path);
        var data = TrainingData.Load(recipe, Path.GetDirectoryName(path));
        var run = Path.Combine(temp.Path, model);
        return (new Trainer(recipe, data, new TrainerOptions(run, Path.GetDirectoryName(path)!, TextWriter.Null)).Run(), run);
    }

    [Test]
    public void Linear_regression_recovers_the_slope_2_within_0_01()
    {
        using var temp = new TempDirectory();
        var (summary, run) = Train(temp, "linear-regression");

        var checkpoint = Checkpoint.Load(summary.LatestCheckpoint);
        float w = checkpoint.Tensors["fc.weight"].Data.Single();
        float b = checkpoint.Tensors["fc.bias"].Data.Single();
        TestContext.Out.WriteLine($"linear-regression: w = {w}, b = {b}, val_loss {summary.FinalValLoss:G4}");
        Assert.That(w, Is.EqualTo(2.0).Within(0.01));
        Assert.That(b, Is.EqualTo(0.0).Within(0.01));
        Assert.That(checkpoint.Tensors["normalization/std"].Data, Is.EqualTo(new[] { 1f }), "inputs are unscaled, so w is the slope itself");
        Assert.That(TestSplitEvaluation.Read(run)!.Loss, Is.LessThan(1e-3), "held-out test MSE near the noise floor (0.01²)");
    }

    [Test]
    public void Binary_classifier_reaches_95_percent_on_its_held_out_test_split()
    {
        using var temp = new TempDirectory();
        var (summary, run) = Train(temp, "binary-classifier");

        var test = TestSplitEvaluation.Read(run)!;
        TestContext.Out.WriteLine($"binary-classifier: test_accuracy {test.Accuracy:F4} on {test.Samples} samples, val_accuracy {summary.FinalValAccuracy:F4}");
        Assert.That(test.Samples, Is.EqualTo(1200));
        Assert.That(test.Checkpoint, Is.EqualTo(summary.LatestCheckpoint));
        Assert.That(test.Accuracy, Is.GreaterThanOrEqualTo(0.95));
        var checkpoint = Checkpoint.Load(summary.LatestCheckpoint);
        Assert.That(checkpoint.Tensors["fc1.weight"].Shape, Is.EqualTo(new long[] { 128, 1000 }));
        Assert.That(checkpoint.Tensors["fc2.weight"].Shape, Is.EqualTo(new long[] { 64, 128 }));
        Assert.That(checkpoint.Tensors["fc3.weight"].Shape, Is.EqualTo(new long[] { 1, 64 }));
    }

    [Test]
    public void Fashion_mlp_stepdecay_loads_and_its_schedule_is_1e_3_for_ten_epochs_then_1e_4()
    {
        var recipe = RecipeLoader.Load(RecipePath("fashion-mlp-stepdecay"));
        Assert.That(recipe.Model.Layers.Where(l => l.Type == "linear").Select(l => l.Units), Is.EqualTo(new int?[] { 128, 128, 10 }));
        Assert.That(recipe.Model.InputShape, Is.EqualTo(new long[] { 28, 28 }));
        Assert.That((recipe.Optimizer.Name, recipe.Optimizer.Lr, recipe.Training.Epochs), Is.EqualTo(("adam", 1e-3, 20)));

        // 55,000 training images in batches of 128: 430 steps per epoch. The trainer asks for the rate at the step count before each step.
        const int stepsPerEpoch = 430;
        var schedule = ScheduleFactory.Create(recipe.Schedule, recipe.Optimizer.Lr, stepsPerEpoch, recipe.Training.Epochs);
        for (int epoch = 1; epoch <= 20; epoch++)
        {
            double expected = epoch <= 10 ? 1e-3 : 1e-4;
            long first = (epoch - 1L) * stepsPerEpoch, last = epoch * (long)stepsPerEpoch - 1;
            Assert.That(schedule.At(first), Is.EqualTo(expected).Within(1e-12), $"epoch {epoch}, first step");
            Assert.That(schedule.At(last), Is.EqualTo(expected).Within(1e-12), $"epoch {epoch}, last step");
        }
    }
}
