using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Tests.Support;
using Toolchain.Train.Autodiff;

namespace Toolchain.Tests.Autodiff;

/// <summary>
/// Dropout in training mode draws a new mask on every run, which finite differences cannot follow. Within one
/// run, though, y = x·mask/(1 − ratio) and the loss Σ r·y is linear in x: its gradient must be r/(1 − ratio)
/// exactly where this run kept an element (y ≠ 0, since no x is 0) and 0 where it dropped one.
/// </summary>
public sealed class DropoutGradientTests
{
    [TestCase(true, TestName = "Training-mode Dropout gradient uses the mask the node outputs")]
    [TestCase(false, TestName = "Training-mode Dropout gradient uses the mask the rule exposes on the node")]
    public void Training_mode_gradient_follows_this_runs_mask(bool nodeOutputsMask)
    {
        const float ratio = 0.3f;
        var random = new Random(3);
        var g = new GraphBuilder("dropout");
        var x = g.Input("x", ElementType.Float, 4, 50);
        var y = g.Node("Dropout", [x, g.Constant(ratio), g.ConstantBool(true)], nodeOutputsMask ? 2 : 1)[0];
        var readout = Enumerable.Range(0, 200).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var loss = g.ReduceSumAll(g.Mul(y, g.Constant(readout, 4, 50)));
        var gradient = ReverseModeDifferentiator.Gradients(g, loss, [x])["x"];
        g.Output(y, "y");
        g.Output(gradient, "x.grad");
        using var runner = new OnnxRunner(g.ToModel());

        var values = Enumerable.Range(0, 200).Select(k => (k % 2 == 0 ? 1f : -1f) * (0.2f + (float)random.NextDouble())).ToArray();
        var outputs = runner.Run(new Dictionary<string, (float[], long[])> { ["x"] = (values, [4, 50]) });
        var (kept, grad) = (outputs["y"].Select(v => v != 0).ToArray(), outputs["x.grad"]);
        Assert.That(kept.Count(k => k), Is.InRange(100, 180), "about 70% of the elements should be kept");
        for (int k = 0; k < values.Length; k++)
            Assert.That(grad[k], Is.EqualTo(kept[k] ? readout[k] / (1 - ratio) : 0f).Within(1e-5), $"x.grad[{k}] (kept: {kept[k]})");
    }
}
