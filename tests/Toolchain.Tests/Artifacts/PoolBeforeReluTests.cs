using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;
using Toolchain.Tests.Support;
using Toolchain.Train.Artifacts;

namespace Toolchain.Tests.Artifacts;

/// <summary>The generator's Relu → MaxPool reorder: same values bit for bit, and only where nothing else sees the rectified tensor.</summary>
public sealed class PoolBeforeReluTests
{
    private static readonly (string Name, long[] Kernel, long[] Strides, long[] Pads, long CeilMode)[] Pools =
    [
        ("2x2 stride 2", [2, 2], [2, 2], [0, 0, 0, 0], 0),
        ("3x3 stride 1 pads 1", [3, 3], [1, 1], [1, 1, 1, 1], 0),
        ("3x2 stride 2 ceil mode", [3, 2], [2, 2], [0, 0, 0, 0], 1),
    ];

    private static ModelProto ReluThenPool(int pool, bool reluIsOutput = false, bool secondConsumer = false, bool indices = false)
    {
        var (_, kernel, strides, pads, ceil) = Pools[pool];
        var g = new GraphBuilder("relu_pool");
        var x = g.Input("x", ElementType.Float, 2, 3, 7, 6);
        var rectified = g.Relu(x);
        var outputs = g.Node("MaxPool", [rectified], indices ? 2 : 1, new Dictionary<string, object>
        {
            ["kernel_shape"] = kernel, ["strides"] = strides, ["pads"] = pads, ["ceil_mode"] = ceil,
        });
        g.Output(g.Mul(outputs[0], g.Constant(2f)), "y");
        if (reluIsOutput) g.Output(rectified, "rectified");
        if (secondConsumer) g.Output(g.Neg(rectified), "negated");
        return g.ToModel();
    }

    private static float[] Run(ModelProto model, float[] input)
    {
        using var runner = new OnnxRunner(model);
        return runner.Run(new Dictionary<string, (float[], long[])> { ["x"] = (input, [2, 3, 7, 6]) })["y"];
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void Pooling_first_gives_the_same_values_exactly(int pool)
    {
        var model = ReluThenPool(pool);
        var rewritten = model.Clone();
        Assert.That(PoolBeforeRelu.Apply(rewritten.Graph), Is.EqualTo(1), Pools[pool].Name);
        GraphValidator.SortTopologically(rewritten.Graph);
        var ops = rewritten.Graph.Node.Select(n => n.OpType).ToList();
        Assert.That(ops.IndexOf("MaxPool"), Is.LessThan(ops.IndexOf("Relu")), "the pool now reads the unrectified tensor");

        // Mostly negative windows, some all-negative, and exact ties, as after a BatchNormalization of a flat background.
        var random = new Random(3);
        var input = Enumerable.Range(0, 2 * 3 * 7 * 6).Select(k => k % 5 == 0 ? 0.25f : (float)(random.NextDouble() * 2 - 1.4)).ToArray();
        Assert.That(Run(rewritten, input), Is.EqualTo(Run(model, input)));
    }

    [Test]
    public void A_rectified_tensor_that_something_else_reads_is_left_alone()
    {
        Assert.That(PoolBeforeRelu.Apply(ReluThenPool(0, reluIsOutput: true).Graph), Is.Zero, "graph output");
        Assert.That(PoolBeforeRelu.Apply(ReluThenPool(0, secondConsumer: true).Graph), Is.Zero, "second consumer");
        Assert.That(PoolBeforeRelu.Apply(ReluThenPool(0, indices: true).Graph), Is.Zero, "MaxPool with its Indices output");
    }
}
