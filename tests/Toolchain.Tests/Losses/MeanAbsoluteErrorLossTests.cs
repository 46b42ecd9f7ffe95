using NUnit.Framework;
using Toolchain.Recipes;
using Toolchain.Train.Losses;

namespace Toolchain.Tests.Losses;

public sealed class MeanAbsoluteErrorLossTests
{
    [Test]
    public void Loss_is_the_mean_absolute_difference_in_both_graphs()
    {
        using var probe = new LossProbe(new MeanAbsoluteErrorLoss());
        var (output, evalLoss, trainingLoss, _) = probe.Run();
        double expected = probe.Differences(output).Average(Math.Abs);
        Assert.That(expected, Is.GreaterThan(0.5), "the probe's outputs are far from the targets");
        Assert.That(evalLoss, Is.EqualTo(expected).Within(1e-6));
        Assert.That(trainingLoss, Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void Gradient_is_the_mean_sign_of_the_difference_and_matches_finite_differences()
    {
        using var probe = new LossProbe(new MeanAbsoluteErrorLoss());
        var (output, _, _, gradient) = probe.Run();
        Assert.That(probe.Differences(output).Min(Math.Abs), Is.GreaterThan(0.05), "no difference sits on the kink at 0");
        Assert.That(gradient, Is.EqualTo(probe.ChainToWeights(d => Math.Sign(d), output)).Within(1e-6));
        Assert.That(gradient, Is.EqualTo(probe.FiniteDifferenceGradient()).Within(2e-3));
    }

    [Test]
    public void Recipes_select_it_as_mae()
    {
        var loss = LossFactory.Create(new LossSection { Name = "mae" });
        Assert.That(loss, Is.InstanceOf<MeanAbsoluteErrorLoss>());
        Assert.That(loss.Name, Is.EqualTo("mae"));
    }
}
