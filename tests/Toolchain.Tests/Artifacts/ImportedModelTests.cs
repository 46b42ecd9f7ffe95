using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Recipes;
using Toolchain.Tests.Support;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Training;

namespace Toolchain.Tests.Artifacts;

/// <summary>Fine-tuning a forward model that Toolchain did not build (Fixtures/make_imported_mlp.py wrote it with raw ONNX nodes).</summary>
public sealed class ImportedModelTests
{
    private static string Fixture => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "imported_mlp.onnx");

    [Test]
    public void Fine_tuning_the_head_only_leaves_the_frozen_weights_unchanged_and_lowers_the_loss()
    {
        using var run = new TempDirectory();
        var recipe = RecipeLoader.Parse($$"""
            name: imported
            model:
              forward: {{Fixture}}
              trainable: ["head/.*"]
            optimizer: { name: adam, lr: 0.02 }
            training: { batch_size: 32, epochs: 5, seed: 3 }
            """, "imported.yaml");
        var data = SyntheticData.Clusters(classes: 3, features: 6, trainCount: 600, validationCount: 150, spread: 0.6, seed: 4);

        var summary = new Trainer(recipe, data, new TrainerOptions(run.Path, run.Path, TextWriter.Null)).Run();

        var original = OnnxModelFile.Load(Fixture).Graph.Initializer.ToDictionary(t => t.Name, TensorProtos.ToFloats);
        var eval = OnnxModelFile.Load(Path.Combine(run.Path, "artifacts", ArtifactNames.EvalFile));
        Assert.That(TensorProtos.ToFloats(eval.Graph.Initializer.Single(t => t.Name == "dense_1/kernel")), Is.EqualTo(original["dense_1/kernel"]));
        Assert.That(eval.Graph.Input.Select(i => i.Name), Is.EquivalentTo(new[] { "input", "labels", "head/kernel", "head/bias" }));

        var checkpoint = Checkpoint.Load(summary.LatestCheckpoint);
        Assert.That(checkpoint.Tensors.Keys.Where(k => !k.StartsWith("optimizer/") && !k.StartsWith("normalization/")),
            Is.EquivalentTo(new[] { "head/kernel", "head/bias" }));
        Assert.That(checkpoint.Tensors["head/kernel"].Data, Is.Not.EqualTo(original["head/kernel"]));
        Assert.That(summary.History[^1].TrainLoss, Is.LessThan(summary.History[0].TrainLoss * 0.8));
        Assert.That(summary.FinalValAccuracy, Is.GreaterThan(0.8));
    }

    [Test]
    public void A_forward_model_with_the_wrong_sample_size_is_rejected_naming_both_shapes()
    {
        using var run = new TempDirectory();
        var recipe = RecipeLoader.Parse($"model: {{ forward: {Fixture} }}", "imported.yaml");
        var data = SyntheticData.Clusters(3, 5, 100, 20, 0.5, seed: 1);
        var error = Assert.Throws<RecipeException>(() => new Trainer(recipe, data, new TrainerOptions(run.Path, run.Path, TextWriter.Null)).Run());
        Assert.That(error!.Message, Does.Contain("[6]").And.Contain("[5]"));
    }
}
