using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Tests.Support;
using Toolchain.Train.Autodiff;

namespace Toolchain.Tests.Autodiff;

/// <summary>
/// Where several elements of a window tie for its maximum, max is not differentiable and finite differences
/// say nothing useful; a valid subgradient hands each tied element a share of dY, the shares summing to dY
/// (all of dY to each would count it once per tie). The tiling fast path splits equally; the general path
/// (MaxPool's Indices) routes to one element.
/// </summary>
public sealed class MaxPoolTieGradientTests
{
    [TestCase(2L, TestName = "Tied maxima share a tiling window's gradient (fast path)")]
    [TestCase(1L, TestName = "Tied maxima share an overlapping window's gradient (general path)")]
    public void Tied_maxima_split_the_window_gradient(long stride)
    {
        var g = new GraphBuilder("ties");
        var x = g.Input("x", ElementType.Float, 1, 1, 2, 4);
        var y = g.MaxPool(x, [2, 2], strides: [stride, stride]);
        var yShape = stride == 2 ? new long[] { 1, 1, 1, 2 } : [1, 1, 1, 3];
        var readout = stride == 2 ? new[] { 3f, 5f } : [3f, 5f, 7f];
        var loss = g.ReduceSumAll(g.Mul(y, g.Constant(readout, yShape)));
        g.Output(ReverseModeDifferentiator.Gradients(g, loss, [x])["x"], "x.grad");
        using var runner = new OnnxRunner(g.ToModel());

        // Window 1 (columns 0–1): all four zero. Window 2 (columns 2–3): 0.5 twice and two smaller values.
        float[] values = [0f, 0f, 0.5f, 0.1f, 0f, 0f, -0.2f, 0.5f];
        var grad = runner.Run(new Dictionary<string, (float[], long[])> { ["x"] = (values, [1, 1, 2, 4]) })["x.grad"];

        Assert.That(grad.All(v => v >= 0), Is.True, $"no negative shares: [{string.Join(", ", grad)}]");
        Assert.That(grad.Sum(), Is.EqualTo(readout.Sum()).Within(1e-5), "the shares add up to dY once per window");
        if (stride == 2)
        {
            Assert.That(new[] { grad[0], grad[1], grad[4], grad[5] }, Is.All.EqualTo(3f / 4).Within(1e-6), "four-way tie of zeros");
            Assert.That(new[] { grad[2], grad[7] }, Is.All.EqualTo(5f / 2).Within(1e-6), "two-way tie of 0.5");
            Assert.That(new[] { grad[3], grad[6] }, Is.All.EqualTo(0f), "elements below the maximum");
        }
    }
}
