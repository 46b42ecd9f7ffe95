using NUnit.Framework;
using Toolchain.Recipes;
using Toolchain.Train.Losses;

namespace Toolchain.Tests.Losses;

public sealed class HuberLossTests
{
    /// <summary>torch.nn.HuberLoss(delta): ½d² where |d| &lt; δ, else δ(|d| − ½δ).</summary>
    private static double Reference(double d, double delta) => Math.Abs(d) < delta ? 0.5 * d * d : delta * (Math.Abs(d) - 0.5 * delta);

    private static double ReferenceDerivative(double d, double delta) => Math.Abs(d) < delta ? d : delta * Math.Sign(d);

    [TestCase(1.0)]
    [TestCase(0.7)]
    [TestCase(2.5)]
    public void Loss_matches_PyTorchs_HuberLoss_on_both_sides_of_delta(double delta)
    {
        using var probe = new LossProbe(new HuberLoss(delta));
        var (output, evalLoss, trainingLoss, _) = probe.Run();
        var differences = probe.Differences(output).ToList();
        Assert.That(differences, Has.Some.Matches<double>(d => Math.Abs(d) < delta).And.Some.Matches<double>(d => Math.Abs(d) > delta),
            "the probe has differences inside and outside δ");
        double expected = differences.Average(d => Reference(d, delta));
        Assert.That(evalLoss, Is.EqualTo(expected).Within(1e-6));
        Assert.That(trainingLoss, Is.EqualTo(expected).Within(1e-6));
    }

    [TestCase(1.0)]
    [TestCase(0.7)]
    [TestCase(2.5)]
    public void Gradient_matches_the_closed_form_and_finite_differences(double delta)
    {
        using var probe = new LossProbe(new HuberLoss(delta));
        var (output, _, _, gradient) = probe.Run();
        Assert.That(probe.Differences(output).Min(d => Math.Min(Math.Abs(d), Math.Abs(Math.Abs(d) - delta))), Is.GreaterThan(0.01),
            "no difference sits on a kink, where finite differences are not the derivative");
        Assert.That(gradient, Is.EqualTo(probe.ChainToWeights(d => ReferenceDerivative(d, delta), output)).Within(1e-6));
        Assert.That(gradient, Is.EqualTo(probe.FiniteDifferenceGradient()).Within(2e-3));
    }

    [Test]
    public void A_delta_larger_than_every_difference_is_half_the_mean_squared_error()
    {
        using var huber = new LossProbe(new HuberLoss(100));
        using var mse = new LossProbe(new MeanSquaredErrorLoss());
        Assert.That(huber.Run().EvalLoss, Is.EqualTo(0.5 * mse.Run().EvalLoss).Within(1e-6));
    }

    [Test]
    public void Recipes_select_it_as_huber_with_loss_delta()
    {
        var loss = LossFactory.Create(new LossSection { Name = "huber", Delta = 0.25 });
        Assert.That(loss, Is.InstanceOf<HuberLoss>().With.Property(nameof(HuberLoss.Delta)).EqualTo(0.25));
        var error = Assert.Throws<RecipeException>(() => RecipeLoader.Parse("""
            model: { input_shape: [1], layers: [{ type: linear, units: 1 }] }
            loss: { name: huber, delta: 0 }
            """, "h.yaml"));
        Assert.That(error!.Message, Does.Contain("loss.delta"));
    }
}
