using NUnit.Framework;
using Toolchain.Recipes;
using Toolchain.Train;

namespace Toolchain.Tests.Recipes;

public sealed class RecipeLoaderTests
{
    private const string Minimal = """
        name: m
        model:
          input_shape: [4]
          layers: [{ type: linear, units: 2 }]
        """;

    [Test]
    public void Command_line_overrides_replace_recipe_keys()
    {
        var overrides = RecipeOverrides.Parse(["--optimizer.lr", "0.05", "--training.batch_size=16", "--optimizer.betas", "[0.8, 0.9]"]);
        var recipe = RecipeLoader.Parse(Minimal, "m.yaml", overrides);
        Assert.That(recipe.Optimizer.Lr, Is.EqualTo(0.05));
        Assert.That(recipe.Training.BatchSize, Is.EqualTo(16));
        Assert.That(recipe.Optimizer.Betas, Is.EqualTo(new[] { 0.8, 0.9 }));
    }

    [Test]
    public void Unknown_keys_are_named()
    {
        var error = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Minimal + "\ntraining: { bach_size: 3 }", "m.yaml"));
        Assert.That(error!.Message, Does.Contain("m.yaml").And.Contain("bach_size"));
    }

    [Test]
    public void Every_out_of_range_value_is_reported_at_once_with_its_key_path()
    {
        var error = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Minimal + "\ntraining: { batch_size: -1, epochs: -1, device: tpu }", "m.yaml"));
        Assert.That(error!.Message, Does.Contain("training.batch_size").And.Contain("training.epochs").And.Contain("training.device"));
    }

    [Test]
    public void Malformed_override_tokens_are_rejected()
    {
        Assert.Throws<RecipeException>(() => RecipeOverrides.Parse(["--lr"]));
        Assert.Throws<RecipeException>(() => RecipeOverrides.Parse(["--optimizer.lr"]));
    }
}
