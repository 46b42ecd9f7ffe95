using NUnit.Framework;
using Toolchain.Recipes;
using Toolchain.Train.Optimizers;

namespace Toolchain.Tests.Optimizers;

/// <summary>A bad hyperparameter is rejected when the optimizer is built, with a message naming its recipe key.</summary>
[TestFixture]
public sealed class OptimizerRejectsBadHyperparametersTests
{
    private static IEnumerable<TestCaseData> BadValues()
    {
        TestCaseData Case(string name, string key, Action<OptimizerSection> set) =>
            new TestCaseData(name, set, key).SetArgDisplayNames(name, key);

        yield return Case("sgd", "optimizer.momentum", o => o.Momentum = -0.1);
        yield return Case("sgd", "optimizer.momentum", o => o.Momentum = 1.0);
        yield return Case("sgd", "optimizer.dampening", o => { o.Momentum = 0.9; o.Dampening = 1.5; });
        yield return Case("sgd", "optimizer.nesterov", o => o.Nesterov = true);
        yield return Case("sgd", "optimizer.nesterov", o => { o.Nesterov = true; o.Momentum = 0.9; o.Dampening = 0.1; });
        yield return Case("sgd", "optimizer.weight_decay", o => o.WeightDecay = -1e-4);
        yield return Case("adam", "optimizer.betas[0]", o => o.Betas = [1.0, 0.999]);
        yield return Case("adam", "optimizer.betas[1]", o => o.Betas = [0.9, -0.5]);
        yield return Case("adam", "optimizer.betas", o => o.Betas = [0.9]);
        yield return Case("adam", "optimizer.eps", o => o.Eps = 0);
        yield return Case("adamw", "optimizer.weight_decay", o => o.WeightDecay = double.NaN);
        yield return Case("adagrad", "optimizer.lr_decay", o => o.LrDecay = -0.1);
        yield return Case("adagrad", "optimizer.initial_accumulator_value", o => o.InitialAccumulatorValue = -1);
        yield return Case("adagrad", "optimizer.eps", o => o.Eps = -1e-10);
        yield return Case("rmsprop", "optimizer.alpha", o => o.Alpha = 1.5);
        yield return Case("rmsprop", "optimizer.momentum", o => o.Momentum = -0.9);
        yield return Case("rmsprop", "optimizer.weight_decay", o => o.WeightDecay = -1);
    }

    [TestCaseSource(nameof(BadValues))]
    public void Bad_value_is_rejected_naming_its_key(string name, Action<OptimizerSection> set, string key)
    {
        var section = new OptimizerSection { Name = name };
        set(section);
        var error = Assert.Throws<RecipeException>(() => OptimizerFactory.Create(section));
        Assert.That(error!.Message, Does.StartWith($"{key}: expected ").And.Contain(", got "));
    }

    [Test]
    public void Unknown_name_is_rejected_listing_the_registered_names()
    {
        var error = Assert.Throws<RecipeException>(() => OptimizerFactory.Create(new OptimizerSection { Name = "lion" }));
        Assert.That(error!.Message, Does.StartWith("optimizer.name: expected one of ").And.EndWith("got 'lion'"));
        foreach (var name in OptimizerFactory.Names) Assert.That(error.Message, Does.Contain(name));
    }

    [Test]
    public void Every_registered_optimizer_accepts_the_recipe_defaults()
    {
        foreach (var name in OptimizerFactory.Names)
            Assert.That(OptimizerFactory.Create(new OptimizerSection { Name = name }).Name, Is.EqualTo(name));
    }
}
