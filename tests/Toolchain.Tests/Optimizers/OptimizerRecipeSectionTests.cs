using NUnit.Framework;
using Toolchain.Recipes;

namespace Toolchain.Tests.Optimizers;

/// <summary>The optimizer section of recipe.yaml: PyTorch's hyperparameter names as snake_case keys, validated on load.</summary>
[TestFixture]
public sealed class OptimizerRecipeSectionTests
{
    private const string Model = """
        model:
          input_shape: [4]
          layers: [{type: linear, units: 2}]

        """;

    [Test]
    public void Every_optimizer_key_is_read_from_yaml()
    {
        const string yaml = Model + """
            optimizer:
              name: rmsprop
              lr: 0.01
              betas: [0.8, 0.99]
              eps: 1.0e-6
              weight_decay: 0.001
              momentum: 0.9
              dampening: 0.1
              nesterov: true
              amsgrad: true
              alpha: 0.95
              centered: true
              lr_decay: 0.01
              initial_accumulator_value: 0.1
            """;
        var o = RecipeLoader.Parse(yaml, "recipe.yaml").Optimizer;
        Assert.Multiple(() =>
        {
            Assert.That(o.Name, Is.EqualTo("rmsprop"));
            Assert.That(o.Lr, Is.EqualTo(0.01));
            Assert.That(o.Betas, Is.EqualTo(new[] { 0.8, 0.99 }));
            Assert.That(o.Eps, Is.EqualTo(1e-6));
            Assert.That(o.WeightDecay, Is.EqualTo(0.001));
            Assert.That(o.Momentum, Is.EqualTo(0.9));
            Assert.That(o.Dampening, Is.EqualTo(0.1));
            Assert.That(o.Nesterov, Is.True);
            Assert.That(o.Amsgrad, Is.True);
            Assert.That(o.Alpha, Is.EqualTo(0.95));
            Assert.That(o.Centered, Is.True);
            Assert.That(o.LrDecay, Is.EqualTo(0.01));
            Assert.That(o.InitialAccumulatorValue, Is.EqualTo(0.1));
        });
    }

    [Test]
    public void Out_of_range_values_are_all_reported_when_the_recipe_loads()
    {
        const string yaml = Model + """
            optimizer:
              dampening: 2
              alpha: 1
              lr_decay: -1
              initial_accumulator_value: -0.5
            """;
        var error = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(yaml, "recipe.yaml"));
        foreach (var key in new[] { "optimizer.dampening", "optimizer.alpha", "optimizer.lr_decay", "optimizer.initial_accumulator_value" })
            Assert.That(error!.Message, Does.Contain($"{key}: expected "), key);
    }
}
