using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Tests.Support;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Autodiff;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;

namespace Toolchain.Tests.Artifacts;

public sealed class ClippingAndPenaltyTests
{
    private static readonly float[] A = [3f, -4f, 0.5f, 12f];
    private static readonly float[] B = [-0.2f, 6f];

    /// <summary>Runs clipping on two gradient inputs and returns the clipped values.</summary>
    private static (float[] A, float[] B) Clip(GradientClipping clipping)
    {
        var g = new GraphBuilder("clip");
        var a = g.Input("a", ElementType.Float, 4);
        var b = g.Input("b", ElementType.Float, 2);
        var clipped = clipping.Apply(g, [a, b]);
        g.Output(clipped[0], "ca");
        g.Output(clipped[1], "cb");
        using var runner = new OnnxRunner(g.ToModel());
        var outputs = runner.Run(new Dictionary<string, (float[], long[])> { ["a"] = (A, [4]), ["b"] = (B, [2]) });
        return (outputs["ca"], outputs["cb"]);
    }

    [Test]
    public void Clipping_by_value_bounds_every_element()
    {
        var (a, b) = Clip(new GradientClipping(Value: 1.5, MaxNorm: 0));
        Assert.That(a, Is.EqualTo(new[] { 1.5f, -1.5f, 0.5f, 1.5f }));
        Assert.That(b, Is.EqualTo(new[] { -0.2f, 1.5f }));
    }

    [Test]
    public void Clipping_by_global_norm_scales_all_gradients_together()
    {
        double norm = Math.Sqrt(A.Concat(B).Sum(v => (double)v * v));
        var (a, b) = Clip(new GradientClipping(Value: 0, MaxNorm: 2));
        double scale = 2 / (norm + 1e-6);
        Assert.That(a, Is.EqualTo(A.Select(v => (float)(v * scale))).Within(1e-5));
        Assert.That(b, Is.EqualTo(B.Select(v => (float)(v * scale))).Within(1e-5));
        var (unchanged, _) = Clip(new GradientClipping(0, MaxNorm: 1000));
        Assert.That(unchanged, Is.EqualTo(A).Within(1e-5));
    }

    [TestCase(0.0, 0.3, Description = "L2")]
    [TestCase(0.2, 0.0, Description = "L1")]
    [TestCase(0.2, 0.3, Description = "ElasticNet")]
    public void Penalties_add_their_gradient_to_weights_but_not_biases(double l1, double l2)
    {
        var w = new float[] { 0.5f, -1.5f, 2f, -0.25f, 1f, 0.75f };
        var bias = new float[] { 0.3f, -0.6f };
        var g = new GraphBuilder("penalty");
        var x = g.Input("x", ElementType.Float, 1, 3);
        var weight = g.Input("w", ElementType.Float, 2, 3);
        var b = g.Input("b", ElementType.Float, 2);
        var output = g.Gemm(x, weight, b, transB: true);
        var parameters = new[] { new ParameterInfo("w", [2, 3], Decays: true), new ParameterInfo("b", [2], Decays: false) };
        var plain = g.ReduceSumAll(output);
        var loss = new WeightPenalty(l1, l2, ApplyToBiases: false).AddTo(g, plain, parameters);
        var grads = ReverseModeDifferentiator.Gradients(g, loss, [weight, b]);
        g.Output(grads["w"], "dw");
        g.Output(grads["b"], "db");
        using var runner = new OnnxRunner(g.ToModel());
        var x0 = new float[] { 1f, 2f, 3f };
        var outputs = runner.Run(new Dictionary<string, (float[], long[])> { ["x"] = (x0, [1, 3]), ["w"] = (w, [2, 3]), ["b"] = (bias, [2]) });

        for (int k = 0; k < w.Length; k++)
        {
            double expected = x0[k % 3] + l1 * Math.Sign(w[k]) + 2 * l2 * w[k];
            Assert.That(outputs["dw"][k], Is.EqualTo(expected).Within(1e-5), $"dw[{k}]");
        }
        Assert.That(outputs["db"], Is.EqualTo(new[] { 1f, 1f }), "biases carry no penalty");
    }

    [Test]
    public void The_train_step_clips_before_the_optimizer_update()
    {
        var g = new GraphBuilder("forward");
        var x = g.Input("input", ElementType.Float, Dim.Named("N"), 2);
        var w = g.Initializer(TensorProtos.Floats("w", [1f, 1f], 1, 2));
        g.Output(g.Gemm(x, w, transB: true), "logits");
        var artifacts = new ArtifactGenerator(new MeanSquaredErrorLoss(), new Sgd(), clipping: new GradientClipping(Value: 0.5, MaxNorm: 0)).Generate(g.ToModel());
        using var runner = new OnnxRunner(artifacts.TrainStep);
        var outputs = runner.Run(new Dictionary<string, (float[], long[])>
        {
            ["input"] = ([10f, -10f], [1, 2]), ["labels"] = ([100f], [1, 1]), ["w"] = ([1f, 1f], [1, 2]),
            ["lr"] = ([1f], []),
        });
        // The raw gradient is 2·(0 − 100)·x = [−2000, 2000]; clipped to ±0.5 and applied with lr 1.
        Assert.That(outputs["w.next"], Is.EqualTo(new[] { 1.5f, 0.5f }).Within(1e-6));
    }
}
