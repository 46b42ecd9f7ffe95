using System.Text.Json;
using NUnit.Framework;
using Toolchain.Recipes;
using Toolchain.Tests.Support;
using Toolchain.Train.Data;
using Toolchain.Train.Training;

namespace Toolchain.Tests.DataPreparation;

public sealed class DataReportTests
{
    [Test]
    public void The_trainer_logs_the_cleaning_counts_and_writes_them_to_data_json()
    {
        using var temp = new TempDirectory();
        var lines = new List<string> { "x1,x2,kind" };
        for (int i = 0; i < 60; i++) lines.Add($"{(i == 7 ? "NA" : i.ToString())},{(i == 9 ? "n/a?" : (i % 5).ToString())},{(i == 11 ? "" : i % 3 == 0 ? "cat" : "dog")}");
        File.WriteAllLines(temp.File("pets.csv"), lines);
        var recipe = RecipeLoader.Parse($$"""
            name: pets
            data: { dataset: csv, path: pets.csv, target: kind, missing: median, split: { validation: 0.2, test: 0.2, stratify: true } }
            model: { input_shape: [2], layers: [{ type: linear, units: 2 }] }
            training: { epochs: 1, batch_size: 8 }
            """, "pets.yaml");
        var data = TrainingData.Load(recipe, baseDirectory: temp.Path);
        var log = new StringWriter();
        var run = Path.Combine(temp.Path, "run");

        new Trainer(recipe, data, new TrainerOptions(run, temp.Path, log)).Run();

        Assert.That(log.ToString(), Does.Contain($"Data: {temp.File("pets.csv")}; 60 rows, 1 dropped (1 without a target, 0 with a missing or non-numeric feature), " +
            "2 values imputed (median); 2 missing and 1 non-numeric values found; 35 train / 12 validation / 12 test (stratified); normalize standard (per feature)"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, DataReport.FileName)));
        var root = json.RootElement;
        Assert.That(root.GetProperty("rows_read").GetInt32(), Is.EqualTo(60));
        Assert.That(root.GetProperty("rows_dropped").GetInt32(), Is.EqualTo(1));
        Assert.That(root.GetProperty("values_imputed").GetInt32(), Is.EqualTo(2));
        Assert.That(root.GetProperty("imputed_by_column").GetProperty("x1").GetInt32(), Is.EqualTo(1));
        Assert.That(root.GetProperty("classes").EnumerateArray().Select(c => c.GetString()), Is.EqualTo(new[] { "cat", "dog" }));
        Assert.That((root.GetProperty("train_rows").GetInt32(), root.GetProperty("validation_rows").GetInt32(), root.GetProperty("test_rows").GetInt32()),
            Is.EqualTo((35, 12, 12)));
        Assert.That(File.Exists(Path.Combine(run, TestSplitEvaluation.FileName)), "the held-out test split is scored once at the end");
        Assert.That(log.ToString(), Does.Contain("Test split (held out): 12 samples"));
    }

    [Test]
    public void Bad_data_keys_are_each_named_with_what_was_expected()
    {
        var error = Assert.Throws<RecipeException>(() => RecipeLoader.Parse("""
            data: { dataset: parquet, normalize: zscore, missing: zero, task: ranking, split: { validation: 0, test: 1.5 }, augment: { shift: -1, noise: -2 } }
            model: { input_shape: [2], layers: [{ type: linear, units: 1 }] }
            """, "bad.yaml"));
        Assert.That(error!.Message, Does.Contain("data.dataset: expected one of fashion-mnist, csv, synthetic, got parquet")
            .And.Contain("data.normalize: expected one of standard, minmax, none, got zscore")
            .And.Contain("data.missing: expected one of drop, mean, median, got zero")
            .And.Contain("data.task: expected one of classification, regression, got ranking")
            .And.Contain("data.split.validation").And.Contain("data.split.test")
            .And.Contain("data.augment.shift").And.Contain("data.augment.noise"));
        var noTarget = Assert.Throws<RecipeException>(() => RecipeLoader.Parse("""
            data: { dataset: csv, path: x.csv }
            model: { input_shape: [2], layers: [{ type: linear, units: 1 }] }
            """, "t.yaml"));
        Assert.That(noTarget!.Message, Does.Contain("data.target"));
    }

    [Test]
    public void Too_few_rows_for_the_split_is_a_recipe_error_naming_data_split()
    {
        var error = Assert.Throws<RecipeException>(() => TrainingData.Load(RecipeLoader.Parse("""
            data: { dataset: synthetic, generator: linear, samples: 4, split: { validation: 0.1, test: 0.1 } }
            model: { input_shape: [1], layers: [{ type: linear, units: 1 }] }
            loss: { name: mse }
            """, "s.yaml")));
        Assert.That(error!.Message, Does.StartWith("data.split: 4 rows are too few").And.Not.Contain("Parameter"));
    }

    [Test]
    public void A_loss_that_does_not_fit_the_task_is_named()
    {
        var error = Assert.Throws<RecipeException>(() => TrainingData.Load(RecipeLoader.Parse("""
            data: { dataset: synthetic, generator: linear, samples: 50 }
            model: { input_shape: [1], layers: [{ type: linear, units: 1 }] }
            loss: { name: cross_entropy }
            """, "l.yaml")));
        Assert.That(error!.Message, Does.Contain("cross_entropy").And.Contain("regression"));
    }
}
